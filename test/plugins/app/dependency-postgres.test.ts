// The service with DATABASE_URL set, end to end against a real PostgreSQL: every route's calls are queries, the pool's
// 503s, a deadline, a client leaving and the shutdown's cut-off each stop the query on the server, an outage is a fast
// 502 while the probes stay up, and no log line holds the password.
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { build, HTML } from '../../helpers/app.ts'
import { openEventStream } from '../../helpers/event-stream-client.ts'
import { metric } from '../../helpers/metrics.ts'
import { postgresServer, serviceQueries } from '../../helpers/postgres-server.ts'
import { pollTask, postTask } from '../../helpers/tasks.ts'
import { assertPoolBusy, until } from '../../helpers/upstream.ts'

// Each test starts a PostgreSQL (a second or two) and some wait on queries of several seconds.
t.setTimeout(180_000)

t.test('GET / and GET /wait answer as the seed does, each through one query; /health says the database is up',
  async (t) => {
    const postgres = await postgresServer(t)
    const pool = { DEPENDENCY_POOL_SIZE: '1', DEPENDENCY_QUEUE_TIMEOUT_MS: '0' }
    const service = await build(t, { env: { DATABASE_URL: postgres.url, ROOT_DELAY_MS: '50', ...pool } })
    const root = await service.inject('/')
    t.equal(root.statusCode, 200)
    t.equal(root.headers['content-type'], HTML)
    t.equal(root.body, 'Hello from async Flask!')
    const waits = [service.inject('/wait?seconds=2'), service.inject('/wait?seconds=2')]
    await until(() => serviceQueries(postgres) === 1)
    t.equal(service.dependency.queued, 1, 'DEPENDENCY_POOL_SIZE connections: the second waits for the first\'s')
    t.same((await Promise.all(waits)).map(({ body }) => body), ['Waited 2 seconds!', 'Waited 2 seconds!'])
    t.same((await service.inject('/health')).json(), { status: 'ok', database: 'up' })
    t.equal(await metric(service, 'dependency_calls_total{outcome="ok"}'), 3)
    t.equal(await metric(service, 'dependency_connections_idle'), 1)
  })

t.test('GET /fanout, the background tasks and the live feed run on it unchanged, each call a query', async (t) => {
  const postgres = await postgresServer(t)
  const service = await build(t, { env: { DATABASE_URL: postgres.url, ROOT_DELAY_MS: '50' } })
  const fanout = await service.inject('/fanout?calls=3')
  t.equal(fanout.statusCode, 200)
  t.same(fanout.json().calls.map(({ ok }: { ok: boolean }) => ok), [true, true, true])
  const posted = await postTask(service, { latencyMs: 20 })
  t.equal(posted.statusCode, 202)
  t.match(await pollTask(service, posted.headers.location as string), { state: 'done' })
  await service.listen({ host: '127.0.0.1', port: 0 })
  const stream = await openEventStream((service.server.address() as AddressInfo).port)
  t.teardown(() => { stream.close() })
  t.match(await stream.nextEvent('update'), { event: 'update', data: /"ok":true/ })
  stream.close()
  t.ok(await metric(service, 'dependency_calls_total{outcome="ok"}') >= 5, 'three, one and the feed\'s, all queries')
  t.equal(await metric(service, 'dependency_calls_total{outcome="failed"}'), 0)
})

t.test('the pool has 10 connections by default; a call that finds none free in time is answered 503 with Retry-After',
  async (t) => {
    const postgres = await postgresServer(t)
    const service = await build(t, { env: { DATABASE_URL: postgres.url, DEPENDENCY_QUEUE_TIMEOUT_MS: '200' } })
    const holding = Array.from({ length: 10 }, async () => await service.inject('/wait?seconds=2'))
    await until(() => serviceQueries(postgres) === 10, 10_000)
    assertPoolBusy(t, await service.inject('/wait?seconds=0'), 200)
    t.same((await Promise.all(holding)).map(({ statusCode }) => statusCode), Array(10).fill(200))
  })

t.test('past REQUEST_DEADLINE_MS the service answers 504 and the query stops on the server', async (t) => {
  const postgres = await postgresServer(t)
  const service = await build(t, { env: { DATABASE_URL: postgres.url, REQUEST_DEADLINE_MS: '300' } })
  const response = await service.inject('/wait?seconds=30')
  t.equal(response.statusCode, 504)
  t.same(response.json(),
    { statusCode: 504, error: 'Gateway Timeout', message: 'The request took longer than its deadline of 300 ms' })
  const gone = await until(() => serviceQueries(postgres) === 0, 10_000)
  t.pass(`no longer running on the server ${Math.round(gone)} ms after the answer`)
  await until(() => service.dependency.inFlight === 0)
  t.equal(await metric(service, 'dependency_calls_total{outcome="timed_out"}'), 1)
})

t.test('a client that disconnects stops its query on the server', async (t) => {
  const postgres = await postgresServer(t)
  const service = await build(t, { env: { DATABASE_URL: postgres.url } })
  await service.listen({ host: '127.0.0.1', port: 0 })
  const { port } = service.server.address() as AddressInfo
  const request = get({ host: '127.0.0.1', port, path: '/wait?seconds=30' })
  request.on('error', () => {})
  await until(() => serviceQueries(postgres) === 1)
  request.destroy()
  const gone = await until(() => serviceQueries(postgres) === 0, 10_000)
  t.pass(`no longer running on the server ${Math.round(gone)} ms after the client left`)
  await until(() => service.dependency.inFlight === 0)
  t.equal(await metric(service, 'dependency_calls_total{outcome="cancelled"}'), 1)
})

t.test("the shutdown's cut-off answers the request 503 and stops its query on the server", async (t) => {
  const postgres = await postgresServer(t)
  const service = await build(t, {
    env: { DATABASE_URL: postgres.url, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400' }
  })
  const response = service.inject('/wait?seconds=30')
  await until(() => serviceQueries(postgres) === 1)
  await service.shutdown.stop()
  t.same((await response).json(),
    { statusCode: 503, error: 'Service Unavailable', message: 'The service is shutting down' })
  await until(() => serviceQueries(postgres) === 0, 10_000)
})

t.test('PostgreSQL down: calls answer 502 at once, /ready stays 200, /health says so; back up, all is as before',
  async (t) => {
    const postgres = await postgresServer(t)
    const logLines: string[] = []
    const service = await build(t, { env: { DATABASE_URL: postgres.url, LOG_LEVEL: 'warn' }, logLines })
    t.equal((await service.inject('/wait?seconds=0')).statusCode, 200)
    await postgres.stop()
    const down = await service.inject('/wait?seconds=0')
    t.equal(down.statusCode, 502)
    t.match(down.json(), {
      statusCode: 502,
      error: 'Bad Gateway',
      message: /^The dependency failed: PostgreSQL cannot be reached: .*ECONNREFUSED/
    })
    t.equal((await service.inject('/ready')).statusCode, 200)
    t.same((await service.inject('/health')).json(), { status: 'ok', database: 'down' })
    t.match(logLines.map((line) => JSON.parse(line) as unknown),
      [{ level: 40, msg: 'a database connection was lost' }])
    await postgres.start()
    t.equal((await service.inject('/wait?seconds=0')).statusCode, 200, 'no restart needed')
    t.same((await service.inject('/health')).json(), { status: 'ok', database: 'up' })
  })

t.test('a database URL that cannot be reached does not stop the start; no log line holds its password', async (t) => {
  const postgres = await postgresServer(t)
  postgres.query("CREATE ROLE app LOGIN PASSWORD 'right-pw-8812'")
  const logLines: string[] = []
  const url = postgres.url.replace('postgres@', 'app:wrong-pw-8812@')
  const service = await build(t, { env: { DATABASE_URL: url, LOG_LEVEL: 'trace' }, logLines })
  const response = await service.inject('/')
  t.equal(response.statusCode, 502)
  t.match(response.json(), { message: /password authentication failed for user "app"/ })
  t.ok(logLines.length > 0)
  t.notOk(logLines.some((line) => line.includes('pw-8812')), 'the password in no log line')
})
