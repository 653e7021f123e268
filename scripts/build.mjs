// The production build: every module under src/, plugins/ and routes/, nested folders included, bundled into dist/
// with esbuild, and the files of public/ copied beside them, where the static plugin finds them from dist/ as from the
// sources. The packages a plain start loads are bundled in: read in the chunks the modules share, rather than found and
// read module by module in node_modules. The rest stay there (see EXTERNAL). `--if-stale` builds only when the sources
// changed since the last build, so that `npm start` runs what is built, without esbuild (a dev dependency); `--outdir`
// builds elsewhere than dist/.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

const { values: flags } = parseArgs({
  options: {
    outdir: { type: 'string', default: 'dist' },
    'if-stale': { type: 'boolean', default: false }
  }
})

// Left in node_modules: packages that read files of their own at run time (piscina its worker, Swagger UI its page,
// bullmq its Lua scripts) or may load native code (pg, ws's optional helpers), and those loaded only when configured
// (Redis, which bullmq shares; PostgreSQL; an HTTP dependency; tracing). The OpenTelemetry API, which the metrics
// client loads at every start, is bundled: its copies share one registry (a global of their own), so that the tracing
// SDK's copy and the bundle's see the same tracer and context.
const EXTERNAL = new RegExp('^(' + [
  'piscina', '@fastify/swagger-ui', 'bullmq', 'ioredis', 'pg', 'undici', 'bufferutil', 'utf-8-validate',
  '@opentelemetry/(?!api(/|$))[^/]+', '@fastify/otel'
].join('|') + ')(/|$)')

const modules = ['src', 'plugins', 'routes']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file)))
  .sort()

// The files started or imported by their path: the server, the app (which the tests import from a build), the CPU
// pool's worker, and what @fastify/autoload finds in plugins/ and routes/. The rest of src/ is reached through them:
// as entries of their own, its modules would split the shared code into many more chunks, each one more module to
// find, read and link at every start (about 0.3 ms each).
const LOADED_BY_PATH = ['src/server.ts', 'src/app.ts', 'src/cpu/primes-worker.ts']
const entryPoints = modules.filter((file) => !file.startsWith('src') || LOADED_BY_PATH.includes(file))

// The page's files, copied as they are.
const PUBLIC = 'public'
const publicFiles = existsSync(PUBLIC)
  ? readdirSync(PUBLIC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
  : []

// A build depends on its modules, the page's files, this script and the locked versions (packages are bundled in).
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
const { outputFiles } = await esbuild.build({
  entryPoints,
  outbase: '.',
  outdir: flags.outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  // The bundled CommonJS packages require Node's own modules: through a require of their module's own.
  banner: {
    js: "import { createRequire as $require } from 'node:module'; const require = $require(import.meta.url);"
  },
  logLevel: 'warning',
  write: false,
  plugins: [{
    name: 'external-packages',
    setup (build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path }) => EXTERNAL.test(path) ? { external: true } : undefined)
    }
  }]
})
for (const file of outputFiles) {
  await mkdir(dirname(file.path), { recursive: true })
  await writeFile(file.path, file.path.endsWith('.js') ? await compiledAtLoad(file.text, file.path) : file.contents)
}
if (existsSync(PUBLIC)) await cp(PUBLIC, join(flags.outdir, PUBLIC), { recursive: true })
// A build outside the project gets what dist/ finds in the folders above it: a package.json saying its modules are ES
// modules, and the project's node_modules, which its imports of packages resolve to.
if (relative('.', flags.outdir).startsWith('..')) {
  await writeFile(join(flags.outdir, 'package.json'), JSON.stringify({ type: 'module' }) + '\n')
  await symlink(resolve('node_modules'), join(flags.outdir, 'node_modules'))
}
await warmCompileCache(flags.outdir)
await writeFile(stampFile, JSON.stringify({ sourceHash }, null, 2) + '\n')

/**
 * esbuild wraps each bundled CommonJS module in an object's method, `__commonJS({ "path"(exports, module) { … } })`,
 * which V8 compiles only when the module is first required, after the module's code has run: too late for Node's
 * compile cache, which keeps only what V8 compiled before that. Written as a parenthesised function instead, the
 * wrapper is compiled with the file, and its code is in the cache for every later start (a start's first answer
 * 10 to 20 ms sooner, measured). Called the same way, with `this` undefined. Fails the build if a wrapper is left as
 * it was (esbuild's shape changed), or if the file no longer parses (a string that held the wrapper's closing lines
 * would cut a module short); the build's test checks that the bundle's wrappers were all rewritten.
 */
async function compiledAtLoad (text, path) {
  const wrappers = text.split('__commonJS({').length - 1
  let rewritten = 0
  const result = text.replace(
    /__commonJS\(\{\n {2}("(?:[^"\\\n]|\\.)*")\(([\w, ]*)\) \{\n([\s\S]*?)\n {2}\}\n\}\);\n/g,
    (match, name, params, body) => {
      rewritten++
      return `__commonJS({\n  ${name}: (function (${params}) {\n${body}\n  })\n});\n`
    })
  if (rewritten !== wrappers) {
    throw new Error(`${path}: ${rewritten} of ${wrappers} CommonJS wrappers rewritten; esbuild's output changed shape`)
  }
  if (rewritten > 0) {
    await esbuild.transform(result, { loader: 'js', format: 'esm' }).catch((error) => {
      throw new Error(`${path} no longer parses once its CommonJS wrappers are rewritten: ${error.message}`)
    })
  }
  return result
}

/**
 * Fills the build's compile cache (its .compile-cache, turned on by src/server.ts) with one start of the build, up to
 * its listening, so that the first start after a build finds its modules compiled as later starts do. Run in the
 * build's folder, away from any .env, with production's environment alone.
 */
async function warmCompileCache (outdir) {
  const server = spawn(process.execPath, [join('src', 'server.js')], {
    cwd: outdir,
    // As the tests start a build (test/helpers/server-process.ts, PRODUCTION_ENV).
    env: { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = once(server, 'exit')
  for await (const line of createInterface({ input: server.stdout })) {
    if (line.includes('Server listening')) server.kill('SIGTERM')
  }
  const [code] = await exited
  if (code !== 0) {
    console.error(`The build did not start (exit ${code}), so its compile cache is not filled: see above.`)
    process.exit(1)
  }
}
