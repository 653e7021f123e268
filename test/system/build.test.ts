// The production build: nested route folders and their autohooks reach dist/, so do the CPU pool's worker module and
// the live page's files; its bundle is compiled for the compile cache and traces as the sources do; and npm start
// rebuilds only what changed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { testConfig } from '../helpers/app.ts'
import { listening, PRODUCTION_ENV, watch } from '../helpers/server-process.ts'
import { serve } from '../helpers/upstream.ts'

const ROOT = join(import.meta.dirname, '..', '..')

// Builds run esbuild in a process of their own: room for a busy machine.
t.setTimeout(180_000)

/** A copy of the project's sources in a temporary folder, sharing its node_modules, removed when the test ends. */
async function projectCopy (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'build-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const entry of ['src', 'plugins', 'routes', 'public', 'scripts', 'package.json', 'package-lock.json']) {
    await cp(join(ROOT, entry), join(dir, entry), { recursive: true })
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

function runBuild (cwd: string, ...args: string[]): { status: number | null, stderr: string } {
  const { status, stderr } = spawnSync(process.execPath, ['scripts/build.mjs', ...args], { cwd, encoding: 'utf8' })
  return { status, stderr }
}

/** The app from `appModule` (source or built), with every route it registers as "METHOD url". */
async function appWithRoutes (t: Test, appModule: string): Promise<{ fastify: FastifyInstance, routes: string[] }> {
  const { default: app } = await import(appModule)
  const fastify = Fastify()
  const routes: string[] = []
  fastify.addHook('onRoute', (route) => {
    routes.push(...[route.method].flat().map((method) => `${method} ${route.url}`))
  })
  await fastify.register(app, { config: await testConfig() })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return { fastify, routes: routes.sort() }
}

t.test('dist/ registers every route the sources register, nested folders and their autohooks included', async (t) => {
  const dir = await projectCopy(t)
  await mkdir(join(dir, 'routes', 'items', 'archive'), { recursive: true })
  await writeFile(join(dir, 'routes', 'items', 'archive', 'index.ts'),
    "export default async (fastify: any) => { fastify.get('/', async () => 'archived items') }\n")
  await writeFile(join(dir, 'routes', 'items', 'autohooks.ts'),
    "export default async (fastify: any) => { fastify.addHook('onRequest', async (request: any, reply: any) => { " +
    "reply.header('x-items-hook', 'ran') }) }\n")

  t.equal(runBuild(dir).status, 0)
  const source = await appWithRoutes(t, join(dir, 'src', 'app.ts'))
  const built = await appWithRoutes(t, join(dir, 'dist', 'src', 'app.js'))
  t.ok(source.routes.includes('GET /items/archive'), 'the nested route is registered from source')
  t.ok(source.routes.includes('GET /wait'), "and the seed's routes")
  t.same(built.routes, source.routes)

  const answer = await built.fastify.inject('/items/archive')
  t.equal(answer.body, 'archived items')
  t.equal(answer.headers['x-items-hook'], 'ran', "the folder's autohooks apply to the routes below it")
})

t.test(
  "the built server runs CPU work on its worker threads from dist/ alone, without the sources' loader",
  async (t) => {
    const dir = await projectCopy(t)
    t.equal(runBuild(dir).status, 0)
    t.ok(existsSync(join(dir, 'dist', 'src', 'cpu', 'primes-worker.js')), "the pool's task module is built")
    // Production's environment alone: no TypeScript loader for the threads to inherit, nothing of this test's.
    const env = { ...PRODUCTION_ENV, CPU_POOL_THREADS: '1' }
    const server = watch(t, spawn(process.execPath, ['dist/src/server.js'], { cwd: dir, env }))
    const url = await listening(server)
    const response = await fetch(`${url}/cpu?n=1000`)
    t.equal(response.status, 200)
    t.match(await response.json(), { n: 1000, primes: 168 })
    server.child.kill('SIGTERM')
    t.equal(await server.exit, 0)
    t.equal(server.stderr, '', 'nothing on stderr')
  }
)

t.test("the bundle's CommonJS modules are parenthesised functions, which V8 compiles with their file", async (t) => {
  const dir = await projectCopy(t)
  t.equal(runBuild(dir).status, 0)
  const chunks = join(dir, 'dist', 'chunks')
  const code = (await Promise.all((await readdir(chunks)).filter((file) => file.endsWith('.js'))
    .map((file) => readFile(join(chunks, file), 'utf8')))).join('\n')
  const wrappers = code.match(/__commonJS\(\{\n/g) ?? []
  const functions = code.match(/__commonJS\(\{\n {2}"[^"\n]+": \(function \((exports(, module)?)?\) \{\n/g) ?? []
  t.ok(wrappers.length > 100, `the packages are bundled (${wrappers.length} CommonJS modules)`)
  t.equal(functions.length, wrappers.length, 'each of them a parenthesised function, none an object method')
})

t.test(
  "the built server traces as the sources do, the bundle's OpenTelemetry API and the SDK's in node_modules as one",
  async (t) => {
    const dir = await projectCopy(t)
    t.equal(runBuild(dir).status, 0)
    // A collector that takes every export.
    const exports: string[] = []
    const collector = await serve(t, (request, response) => {
      request.resume().once('end', () => {
        exports.push(`${request.method} ${request.url} ${request.headers['content-type']}`)
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
      })
    })
    const env = { ...PRODUCTION_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin }
    const server = watch(t, spawn(process.execPath, ['dist/src/server.js'], { cwd: dir, env }))
    const url = await listening(server)
    const traceId = '0af7651916cd43dd8448eb211c80319c'
    const response = await fetch(`${url}/sync`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
    t.equal(response.status, 200)
    server.child.kill('SIGTERM')
    t.equal(await server.exit, 0)
    const completed = server.stdout.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request completed')
    t.match(completed, { url: '/sync', traceId, spanId: /^[0-9a-f]{16}$/ }, "the access line carries the caller's trace")
    t.same(exports, ['POST /v1/traces application/x-protobuf'], 'the span went to the collector as the app stopped')
  }
)

t.test('the built server serves the live page and its files from dist/ alone, the sources gone', async (t) => {
  const dir = await projectCopy(t)
  t.equal(runBuild(dir).status, 0)
  for (const sources of ['src', 'plugins', 'routes', 'public']) await rm(join(dir, sources), { recursive: true })
  const server = watch(t, spawn(process.execPath, ['dist/src/server.js'], { cwd: dir, env: PRODUCTION_ENV }))
  const url = await listening(server)
  const page = await fetch(`${url}/live`)
  t.equal(page.status, 200)
  t.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(await page.text(), await readFile(join(ROOT, 'public', 'live.html'), 'utf8'))
  for (const file of ['live.js', 'live.css']) {
    const response = await fetch(`${url}/assets/${file}`)
    t.equal(response.status, 200, file)
    t.equal(await response.text(), await readFile(join(ROOT, 'public', file), 'utf8'))
  }
  server.child.kill('SIGTERM')
  t.equal(await server.exit, 0)
  t.equal(server.stderr, '', 'nothing on stderr')
})

t.test(
  '--if-stale builds when there is no build or a source changed, and leaves an up-to-date build alone',
  async (t) => {
    const dir = await projectCopy(t)
    const stamp = join(dir, 'dist', 'build.json')
    t.equal(runBuild(dir, '--if-stale').status, 0)
    const first = await readFile(stamp, 'utf8')
    const firstBuilt = (await stat(stamp)).mtimeMs

    t.equal(runBuild(dir, '--if-stale').status, 0)
    t.equal((await stat(stamp)).mtimeMs, firstBuilt, 'nothing changed: not rebuilt')

    await writeFile(join(dir, 'src', 'request-id.ts'), '\n// a change\n', { flag: 'a' })
    t.equal(runBuild(dir, '--if-stale').status, 0)
    const second = await readFile(stamp, 'utf8')
    t.not(second, first, 'a source changed: rebuilt')

    await writeFile(join(dir, 'public', 'live.css'), '\n/* a change */\n', { flag: 'a' })
    t.equal(runBuild(dir, '--if-stale').status, 0)
    t.not(await readFile(stamp, 'utf8'), second, "a page's file changed: rebuilt")
    t.match(await readFile(join(dir, 'dist', 'public', 'live.css'), 'utf8'), /a change \*\/\n$/, 'and copied')
  }
)

t.test(
  'without esbuild (a production install), a built dist/ starts and a stale one is refused, saying why',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'build-prod-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    await cp(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true })
    await mkdir(join(dir, 'dist'))
    await writeFile(join(dir, 'dist', 'build.json'), '{ "sourceHash": "from another build" }\n')
    t.same(runBuild(dir, '--if-stale'), { status: 0, stderr: '' },
      'shipped without its sources: nothing to rebuild from')

    await mkdir(join(dir, 'src'))
    await writeFile(join(dir, 'src', 'server.ts'), 'export {}\n')
    const refused = runBuild(dir, '--if-stale')
    t.equal(refused.status, 1)
    t.equal(refused.stderr,
      'dist/ is missing or older than the sources, and esbuild (a dev dependency) is not installed. ' +
      'Build where dev dependencies are installed (npm ci && npm run build), ' +
      'then install without them (npm ci --omit=dev).\n')
  }
)
