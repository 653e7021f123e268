// What a plain start loads (no Redis, no database, no HTTP dependency, no tracing, no rate limit): of the project's
// dependencies, only those it serves with from the first request; the rest load when configured, Swagger UI and
// @fastify/static on their first request. Nor Node's own copy of undici, which an ES import of node:http loads
// (src/http/status-codes.ts).
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { listening, PRODUCTION_ENV, ROOT, watch } from '../helpers/server-process.ts'

const packageJson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
}

t.test('a plain start, up to its first answer, loads only the dependencies it serves with', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'start-modules-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'modules.json')
  // Production's environment alone, without this test's loaders, so that only the service's own loading is seen.
  const env = { ...PRODUCTION_ENV, START_MODULES_FILE: file }
  const recorder = join(ROOT, 'test', 'helpers', 'start-modules.ts')
  const server = watch(t, spawn(process.execPath, ['--import', recorder, join(ROOT, 'src', 'server.ts')], { env }))
  const url = await listening(server)
  t.equal((await fetch(`${url}/sync`)).status, 200)
  server.child.kill('SIGTERM')
  t.equal(await server.exit, 0)

  const loaded = JSON.parse(await readFile(file, 'utf8')) as { packages: string[], nodeUndici: boolean }
  const dependencies = Object.keys(packageJson.dependencies)
  t.same(loaded.packages.filter((name) => dependencies.includes(name)), [
    // Fastify's own compilers, whose work waits for each route's first request (src/server/lazy-compilers.ts).
    '@fastify/ajv-compiler',
    '@fastify/autoload',
    '@fastify/fast-json-stringify-compiler',
    '@fastify/sensible',
    '@fastify/swagger',
    '@fastify/type-provider-typebox',
    '@fastify/under-pressure',
    '@fastify/websocket',
    // Not tracing's: the metrics client imports the API, whose calls do nothing until tracing registers.
    '@opentelemetry/api',
    '@prometheus-io/client',
    'close-with-grace',
    'fastify',
    'fastify-plugin',
    'find-my-way',
    'helmet',
    'negotiator',
    'pino',
    'piscina',
    'typebox'
  ])
  t.equal(loaded.nodeUndici, false, "Node's own undici is not loaded")
})
