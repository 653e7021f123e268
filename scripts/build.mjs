// The production build: every module under src/, plugins/ and routes/, nested folders included, to dist/ with esbuild,
// and the files of public/ copied beside them, where the static plugin finds them from dist/ as from the sources.
// typebox is bundled in, with @fastify/type-provider-typebox, which imports it (its 700 ES modules take 250 ms to load
// one by one, more than the rest of start-up); every other package is left to node_modules. `--if-stale` builds only
// when the sources changed since the last build, so that `npm start` runs what is built, without esbuild (a dev
// dependency); `--outdir` builds elsewhere than dist/.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { cp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: flags } = parseArgs({
  options: {
    outdir: { type: 'string', default: 'dist' },
    'if-stale': { type: 'boolean', default: false }
  }
})

// typebox, and the type provider whose validator compiler a route uses, which imports typebox in turn.
const BUNDLED = /^(typebox|@fastify\/type-provider-typebox)(\/|$)/

const modules = ['src', 'plugins', 'routes']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file)))
  .sort()

// The page's files, copied as they are.
const PUBLIC = 'public'
const publicFiles = existsSync(PUBLIC)
  ? readdirSync(PUBLIC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
  : []

// A build depends on its modules, the page's files, this script and the locked versions (typebox is bundled in).
const inputs = [...modules, ...publicFiles, 'scripts/build.mjs', 'package-lock.json']
const digest = createHash('sha256')
for (const file of inputs) digest.update(`${file}\0`).update(existsSync(file) ? readFileSync(file) : '')
const sourceHash = digest.digest('hex')
const stampFile = join(flags.outdir, 'build.json')

if (flags['if-stale']) {
  const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : undefined
  // Up to date, or shipped without its sources: start what is there.
  if (stamp?.sourceHash === sourceHash || (stamp !== undefined && modules.length === 0)) process.exit(0)
}

const esbuild = await import('esbuild').catch(() => {
  console.error(`${flags.outdir}/ is missing or older than the sources, ` +
    'and esbuild (a dev dependency) is not installed. ' +
    'Build where dev dependencies are installed (npm ci && npm run build), ' +
    'then install without them (npm ci --omit=dev).')
  process.exit(1)
})

await rm(flags.outdir, { recursive: true, force: true })
await esbuild.build({
  entryPoints: modules,
  outbase: '.',
  outdir: flags.outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [{
    name: 'bundle-typebox',
    setup (build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path }) => BUNDLED.test(path) ? undefined : { external: true })
    }
  }]
})
if (existsSync(PUBLIC)) await cp(PUBLIC, join(flags.outdir, PUBLIC), { recursive: true })
await writeFile(stampFile, JSON.stringify({ sourceHash }, null, 2) + '\n')
