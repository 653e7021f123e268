// GET /health and GET /ready: liveness stays 200 while the loop turns; readiness says 503 while stopping or under
// pressure.
import t from 'tap'
import { build } from '../../helpers/app.ts'

// Several seconds of real waits on a quiet machine: room for a busy one (tap's default is 30 s for the file).
t.setTimeout(120_000)

t.test('both answer 200 JSON and write no access line at info', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  for (const url of ['/health', '/ready']) {
    const response = await fastify.inject(url)
    t.equal(response.statusCode, 200, url)
    t.match(response.headers['content-type'], /^application\/json/)
    t.same(response.json(), { status: 'ok' })
  }
  await fastify.inject('/sync')
  t.match(logLines.map((line) => JSON.parse(line)), [{ msg: 'request completed', url: '/sync' }],
    'only /sync was logged')
  t.equal(logLines.length, 1)
})

t.test('from the start of a stop /ready says 503 while the service still serves; /health stays 200', async (t) => {
  const fastify = await build(t, { env: { SHUTDOWN_DELAY_MS: '60000' } })
  const stopped = fastify.shutdown.stop()
  const [ready, health, sync] = await Promise.all(['/ready', '/health', '/sync'].map(async (url) =>
    await fastify.inject(url)))
  t.equal(ready?.statusCode, 503)
  t.same(ready?.json(), { status: 'stopping' })
  t.equal(health?.statusCode, 200)
  t.equal(sync?.statusCode, 200, 'still serving during the delay')
  t.equal(sync?.headers.connection, 'close', 'asking its client to go elsewhere')
  // Closing the app ends the delay early, and with it the stop.
  await fastify.close()
  await stopped
})

/** Keeps the event loop busy for `ms`, as a CPU-bound handler would. */
function blockLoop (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

t.test(
  'a blocked event loop puts the service under pressure: requests get 503 with Retry-After, /ready 503, /health 200',
  async (t) => {
    const fastify = await build(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '100' } })
    t.equal((await fastify.inject('/sync')).statusCode, 200, 'no pressure before')
    // The plugin samples the loop's mean delay once a second: one long block among a second of short delays may not
    // raise the mean past the threshold, so the loop is held in blocks of 300 ms until a sample sees it.
    while (!fastify.isUnderPressure()) {
      blockLoop(300)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const [sync, ready, health] = await Promise.all(['/sync', '/ready', '/health'].map(async (url) =>
      await fastify.inject(url)))
    t.equal(sync?.statusCode, 503)
    t.equal(sync?.headers['retry-after'], '10')
    t.match(sync?.headers, { 'x-content-type-options': 'nosniff', 'x-request-id': String },
      'with the headers of every answer')
    t.same(sync?.json(), { statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' })
    t.equal(ready?.statusCode, 503)
    t.same(ready?.json(), { status: 'under pressure' })
    t.equal(health?.statusCode, 200)
    t.same(health?.json(), { status: 'ok' })
  }
)

t.test(
  'the memory thresholds come from config: over MAX_RSS_BYTES or MAX_HEAP_USED_BYTES, the service is under pressure',
  async (t) => {
    for (const variable of ['MAX_RSS_BYTES', 'MAX_HEAP_USED_BYTES']) {
      const fastify = await build(t, { env: { [variable]: '1' } })
      while (!fastify.isUnderPressure()) await new Promise((resolve) => setTimeout(resolve, 50))
      t.equal((await fastify.inject('/')).statusCode, 503, variable)
      t.equal((await fastify.inject('/ready')).statusCode, 503, variable)
    }
  }
)

t.test('with the thresholds at 0, nothing is checked: the same blocked loop sheds nothing', async (t) => {
  const fastify = await build(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '0' } })
  blockLoop(1500)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.notOk(fastify.isUnderPressure())
  t.equal((await fastify.inject('/sync')).statusCode, 200)
})
