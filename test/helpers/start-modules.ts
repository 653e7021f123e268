// Preloaded (--import) into a server process by test/system/start-modules.test.ts: when the process exits, writes to
// START_MODULES_FILE the packages it resolved, by import or require, and whether Node loaded its own copy of undici.
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const packages = new Set<string>()
registerHooks({
  resolve (specifier, context, nextResolve) {
    const result = nextResolve(specifier, context)
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url)?.[1]
    if (name !== undefined) packages.add(name)
    return result
  }
})

process.once('exit', () => {
  // Node's list of its own modules loaded so far (not in its typings).
  const nodeModules = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
  writeFileSync(process.env.START_MODULES_FILE as string, JSON.stringify({
    packages: [...packages].sort(),
    nodeUndici: nodeModules.some((name) => name.includes('internal/deps/undici'))
  }))
})
