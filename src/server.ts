// The process's entry: stops at once on a Node too old (src/server/node-version.ts), turns on Node's compile cache,
// then starts the service (src/server/main.ts). The cache keeps V8's compiled code of each module loaded, in
// .compile-cache beside src/ (dist/.compile-cache for the build, filled by the build itself), so that a start compiles
// less. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as npm test does: it makes V8's coverage imprecise.
import './server/node-version.ts'
import module from 'node:module'
import { join } from 'node:path'

module.enableCompileCache(join(import.meta.dirname, '..', '.compile-cache'))
await import('./server/main.ts')
