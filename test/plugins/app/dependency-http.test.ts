// The service with DEPENDENCY_URL set, end to end: its routes call a real upstream (another instance of this service)
// over HTTP, the upstream's failures become 502 or 504, and a deadline, a client leaving or a close cancels the
// upstream's request too.
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { build, HTML } from '../../helpers/app.ts'
import { assertPoolBusy, nothingListening, serve, until, upstream } from '../../helpers/upstream.ts'

// Its waits run to several seconds (timeouts the tests pass through); on a busy machine the file may take several times
// that.
t.setTimeout(120_000)

t.test('GET / and GET /wait answer as the seed does, each through one call to the upstream\'s /wait', async (t) => {
  const up = await upstream(t)
  const service = await build(t, { env: { DEPENDENCY_URL: up.origin, ROOT_DELAY_MS: '50' } })
  const root = await service.inject('/')
  t.equal(root.statusCode, 200)
  t.equal(root.headers['content-type'], HTML)
  t.equal(root.body, 'Hello from async Flask!')
  const started = performance.now()
  const wait = await service.inject('/wait?seconds=0.2')
  t.ok(performance.now() - started >= 195, 'waited the upstream\'s 0.2 s')
  t.equal(wait.statusCode, 200)
  t.equal(wait.body, 'Waited 0.2 seconds!')
  t.same(up.urls, ['/wait?seconds=0.050', '/wait?seconds=0.200'])
})

t.test('an upstream that fails (answers 502) makes the service answer 502', async (t) => {
  const up = await upstream(t, { DEPENDENCY_FAILURE_RATE: '1' })
  const service = await build(t, { env: { DEPENDENCY_URL: up.origin } })
  const response = await service.inject('/wait?seconds=0')
  t.equal(response.statusCode, 502)
  t.same(response.json(),
    { statusCode: 502, error: 'Bad Gateway', message: 'The dependency failed: the upstream answered 502' })
  t.same(up.urls, ['/wait?seconds=0.000'])
})

t.test('an upstream gone (nothing listening) makes the service answer 502', async (t) => {
  const service = await build(t, { env: { DEPENDENCY_URL: await nothingListening() } })
  const response = await service.inject('/')
  t.equal(response.statusCode, 502)
  t.match(response.json(), { statusCode: 502, error: 'Bad Gateway', message: /^The dependency failed: .*ECONNREFUSED/ })
})

t.test('an upstream that never answers makes the service answer 504 once the call\'s time is up', async (t) => {
  const silent = await serve(t, () => {})
  const service = await build(t, { env: { DEPENDENCY_URL: silent.origin, ROOT_DELAY_MS: '0' } })
  const response = await service.inject('/')
  t.equal(response.statusCode, 504)
  t.same(response.json(), {
    statusCode: 504,
    error: 'Gateway Timeout',
    message: 'The dependency was too slow: the upstream did not answer in time'
  })
})

t.test(
  'with no connection free in time, the service answers 503 with Retry-After and asks the upstream nothing more',
  async (t) => {
    const up = await upstream(t)
    const service = await build(t, {
      env: { DEPENDENCY_URL: up.origin, DEPENDENCY_POOL_SIZE: '1', DEPENDENCY_QUEUE_TIMEOUT_MS: '100' }
    })
    const holding = service.inject('/wait?seconds=1')
    await until(() => up.app.dependency.inFlight === 1)
    assertPoolBusy(t, await service.inject('/wait?seconds=0'), 100)
    t.equal((await holding).statusCode, 200)
    t.same(up.urls, ['/wait?seconds=1.000'])
  }
)

t.test('past REQUEST_DEADLINE_MS the service answers 504 and the upstream\'s request is cancelled', async (t) => {
  const up = await upstream(t)
  const service = await build(t, { env: { DEPENDENCY_URL: up.origin, REQUEST_DEADLINE_MS: '200' } })
  const started = performance.now()
  const response = await service.inject('/wait?seconds=5')
  t.ok(performance.now() - started < 4000, 'did not wait the 5 s')
  t.equal(response.statusCode, 504)
  t.same(response.json(),
    { statusCode: 504, error: 'Gateway Timeout', message: 'The request took longer than its deadline of 200 ms' })
  t.same(up.urls, ['/wait?seconds=5.000'])
  await until(() => up.app.dependency.inFlight === 0 && up.open.size === 0, 3000)
  t.equal(service.dependency.inFlight, 0)
})

t.test('a client that disconnects from the service cancels the upstream\'s request', async (t) => {
  const up = await upstream(t)
  const service = await build(t, { env: { DEPENDENCY_URL: up.origin } })
  await service.listen({ host: '127.0.0.1', port: 0 })
  const { port } = service.server.address() as AddressInfo
  const request = get({ host: '127.0.0.1', port, path: '/wait?seconds=10' })
  request.on('error', () => {})
  await until(() => up.app.dependency.inFlight === 1)
  request.destroy()
  const took = await until(() =>
    up.app.dependency.inFlight === 0 && up.open.size === 0 && service.dependency.inFlight === 0)
  t.ok(took < 5000, `the upstream's call stopped at once (${Math.round(took)} ms), not after 10 s`)
})

t.test('closing the service cancels its calls (503) and closes its connections to the upstream', async (t) => {
  const up = await upstream(t)
  const service = await build(t, { env: { DEPENDENCY_URL: up.origin } })
  t.equal((await service.inject('/wait?seconds=0')).statusCode, 200)
  const response = service.inject('/wait?seconds=10')
  await until(() => up.app.dependency.inFlight === 1)
  t.ok(up.open.size >= 1, 'connections open: the call\'s, and the first one\'s kept alive')
  await service.close()
  t.same((await response).json(),
    { statusCode: 503, error: 'Service Unavailable', message: 'The service is shutting down' })
  await until(() => up.app.dependency.inFlight === 0 && up.open.size === 0)
})
