// GET /cpu and GET /cpu/blocking: their counts, every ?n they refuse, the pool's full queue, queued tasks freed when
// their client leaves or their deadline passes, the event loop held by one and free with the other, and the metric.
import { once } from 'node:events'
import { get, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Cancellation } from '../../../src/http/cancellation.ts'
import { build } from '../../helpers/app.ts'
import { readUntilClosed } from '../../helpers/sockets.ts'

// Counts of about a second (ten under coverage), worker threads started under the TypeScript loader, and a test
// that holds the event loop on purpose: room for a busy machine.
t.setTimeout(180_000)

/** The largest n config allows: a count of most of a minute, longer than any test looks at it. */
const LONG = 100_000_000
const LONG_CONFIG = { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1', CPU_MAX_N: String(LONG) }

/** Keeps a thread busy with a count of the test's own that would take years (ended when the app closes). */
function occupy (fastify: FastifyInstance, cancellation = new Cancellation()): void {
  fastify.cpuPool.countPrimes(1e15, cancellation).catch(() => {})
}

async function until (condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5)
}

async function listening (fastify: FastifyInstance): Promise<number> {
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return (fastify.server.address() as AddressInfo).port
}

/** GET `path` on a connection of its own; resolves with the response once its body has arrived. */
async function fetchOver (port: number, path: string): Promise<{ statusCode: number | undefined, body: string }> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, resolve).on('error', reject)
  })
  let body = ''
  response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
  await once(response, 'end')
  return { statusCode: response.statusCode, body }
}

for (const path of ['/cpu', '/cpu/blocking']) {
  t.test(`GET ${path}?n=N answers the number of primes below N, and how long counting took`, async (t) => {
    const fastify = await build(t)
    const expected: Array<[number, number]> = [[2, 0], [3, 1], [10, 4], [100, 25], [1000, 168], [1_000_000, 78_498]]
    for (const [n, primes] of expected) {
      const response = await fastify.inject(`${path}?n=${n}`)
      t.equal(response.statusCode, 200, `n=${n}`)
      t.match(response.headers['content-type'], /^application\/json/)
      const body = response.json()
      t.same(Object.keys(body), ['n', 'primes', 'ms'])
      t.match(body, { n, primes })
      t.ok(typeof body.ms === 'number' && body.ms >= 0, `ms: ${body.ms}`)
    }
  })

  t.test(
    `GET ${path} refuses a missing n, and any n that is not an integer from 2 to CPU_MAX_N in plain decimal`,
    async (t) => {
      const fastify = await build(t)
      const expected = {
        statusCode: 400,
        error: 'Bad Request',
        code: 'FST_ERR_VALIDATION',
        message: 'querystring/n must be an integer from 2 to 8000000'
      }
      const missing = await fastify.inject(path)
      t.equal(missing.statusCode, 400, 'no n')
      t.same(missing.json(), expected)
      const refused = [
        '1', '0', '8000001', '99999999999999999999', '1e3', '0x10', '-5', 'abc', '', ' 2', '2.0', '+2', 'Infinity'
      ]
      for (const value of refused) {
        const response = await fastify.inject({ url: path, query: { n: value } })
        t.equal(response.statusCode, 400, `n=${JSON.stringify(value)}`)
        t.match(response.headers['content-type'], /^application\/json/)
        t.same(response.json(), expected)
      }
      const repeated = await fastify.inject(`${path}?n=10&n=100`)
      t.equal(repeated.statusCode, 400, 'a repeated n')
      t.same(repeated.json(), expected)
    }
  )
}

t.test('CPU_MAX_N bounds n: up to it is counted, past it refused in the same words', async (t) => {
  const fastify = await build(t, { env: { CPU_MAX_N: '100' } })
  for (const path of ['/cpu', '/cpu/blocking']) {
    t.match((await fastify.inject(`${path}?n=100`)).json(), { n: 100, primes: 25 }, path)
    const refused = await fastify.inject(`${path}?n=101`)
    t.equal(refused.statusCode, 400)
    t.equal(refused.json().message, 'querystring/n must be an integer from 2 to 100')
  }
})

t.test('with every thread busy and the queue full, GET /cpu is answered 503 with Retry-After', async (t) => {
  const fastify = await build(t, { env: LONG_CONFIG })
  const running = fastify.inject(`/cpu?n=${LONG}`)
  const waiting = fastify.inject(`/cpu?n=${LONG}`)
  await until(() => fastify.cpuPool.queued === 1)
  const refused = await fastify.inject(`/cpu?n=${LONG}`)
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.match(refused.headers['content-type'], /^application\/json/)
  t.same(refused.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'The CPU pool is busy: every thread is working and its queue is full'
  })
  t.equal(fastify.cpuPool.queued, 1, 'the refused task was not queued')
  t.equal((await fastify.inject('/cpu/blocking?n=10')).statusCode, 200, '/cpu/blocking does not use the pool')

  await fastify.close()
  for (const response of await Promise.all([running, waiting])) {
    t.equal(response.statusCode, 503, 'closing the app answers the tasks it ends')
    t.equal(response.json().message, 'The service is shutting down')
  }
})

t.test('CPU_MAX_QUEUE=0: with every thread busy, a request is refused at once', async (t) => {
  const fastify = await build(t, { env: { ...LONG_CONFIG, CPU_MAX_QUEUE: '0' } })
  occupy(fastify)
  const refused = await fastify.inject('/cpu?n=10')
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.equal(fastify.cpuPool.queued, 0)
})

t.test('a queued task leaves the queue when its client disconnects, and its place is free again', async (t) => {
  const fastify = await build(t, { env: LONG_CONFIG })
  const port = await listening(fastify)
  occupy(fastify)
  const request = get({ host: '127.0.0.1', port, path: `/cpu?n=${LONG}`, agent: false })
  request.on('error', () => {})
  await until(() => fastify.cpuPool.queued === 1)
  request.destroy()
  await until(() => fastify.cpuPool.queued === 0)
  t.pass('the queue is empty again')
  const next = fastify.inject(`/cpu?n=${LONG}`)
  await until(() => fastify.cpuPool.queued === 1)
  t.pass('another task took its place, not refused')
  await fastify.close()
  t.equal((await next).statusCode, 503)
})

t.test("when the request's deadline passes, its task is cancelled, queued or running, and answered 504", async (t) => {
  const fastify = await build(t, { env: { ...LONG_CONFIG, REQUEST_DEADLINE_MS: '500' } })
  const expected = {
    statusCode: 504, error: 'Gateway Timeout', message: 'The request took longer than its deadline of 500 ms'
  }
  const occupying = new Cancellation()
  occupy(fastify, occupying)
  const queued = fastify.inject(`/cpu?n=${LONG}`)
  await until(() => fastify.cpuPool.queued === 1)
  const answer = await queued
  t.equal(answer.statusCode, 504)
  t.match(answer.headers['content-type'], /^application\/json/)
  t.same(answer.json(), expected)
  t.equal(fastify.cpuPool.queued, 0, 'the queue is empty again')

  // Its thread is stopped and replaced; once the new one is up, a count starts on it at once.
  occupying.cancel(new Error('done with it'))
  await fastify.cpuPool.countPrimes(10, new Cancellation())
  t.same((await fastify.inject(`/cpu?n=${LONG}`)).json(), expected, 'a running count too')
  t.equal(fastify.cpuPool.queued, 0)
})

t.test(
  'while /cpu/blocking counts, /sync waits for it; while /cpu counts on a thread, /sync answers at once',
  async (t) => {
    // Load shedding off: a loop held for seconds would otherwise put the service under pressure, and /sync refused. No
    // request or connection timeout either: under coverage on a busy machine the count holds the loop past their 10 s.
    const fastify = await build(t, {
      env: { CPU_POOL_THREADS: '1', MAX_EVENT_LOOP_DELAY_MS: '0', REQUEST_TIMEOUT_MS: '0', CONNECTION_TIMEOUT_MS: '0' }
    })
    const port = await listening(fastify)
    // About a second of counting here without coverage; several with it.
    const n = 8_000_000

    // The test shares the event loop the blocking count holds, so /sync is written to a connection opened beforehand
    // the moment the blocking request reaches the server; its answer can only come once the count lets go of the loop.
    const sync = connect(port, '127.0.0.1')
    await once(sync, 'connect')
    let sent = 0
    fastify.server.prependOnceListener('request', () => {
      sync.write('GET /sync HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n')
      sent = performance.now()
    })
    const answer = readUntilClosed(sync)
    const blocking = fetchOver(port, `/cpu/blocking?n=${n}`)
    t.match(await answer, /^HTTP\/1\.1 200 [^]*This is a normal sync route\.$/)
    const waited = performance.now() - sent
    t.ok(waited >= 400, `/sync waited ${Math.round(waited)} ms for the blocking count`)
    t.equal((await blocking).statusCode, 200)

    // A thread that is up, then a count on it, still running when /sync is sent.
    await fetchOver(port, '/cpu?n=10')
    let pooledDone = false
    const pooled = get({ host: '127.0.0.1', port, path: `/cpu?n=${n}`, agent: false }, () => { pooledDone = true })
    pooled.on('error', () => {})
    await sleep(200)
    const started = performance.now()
    const fast = await fetchOver(port, '/sync')
    const took = performance.now() - started
    t.equal(fast.statusCode, 200)
    t.ok(took < 200, `/sync answered in ${Math.round(took)} ms during the pooled count`)
    t.equal(pooledDone, false, 'while the pooled count was still running')
    t.equal(fastify.cpuPool.queued, 0)
    // Its client leaves: the count's thread is stopped, not left to finish.
    pooled.destroy()
  }
)

t.test('GET /metrics shows cpu_pool_queue_length, the tasks waiting for a thread when scraped', async (t) => {
  const fastify = await build(t, { env: LONG_CONFIG })
  const metric = async (): Promise<string> => (await fastify.inject('/metrics')).body
  const idle = await metric()
  t.match(idle, /^# HELP cpu_pool_queue_length CPU tasks waiting for a worker thread$/m)
  t.match(idle, /^# TYPE cpu_pool_queue_length gauge$/m)
  t.match(idle, /^cpu_pool_queue_length 0$/m)
  const running = fastify.inject(`/cpu?n=${LONG}`)
  const waiting = fastify.inject(`/cpu?n=${LONG}`)
  await until(() => fastify.cpuPool.queued === 1)
  t.match(await metric(), /^cpu_pool_queue_length 1$/m, 'one task waiting')
  await fastify.close()
  await Promise.all([running, waiting])
})

t.test(
  'both routes are in the OpenAPI document: tagged cpu, ?n required, and every status they answer described',
  async (t) => {
    const fastify = await build(t)
    const document = (await fastify.inject('/docs/json')).json()
    const pooled = document.paths['/cpu'].get
    const blocking = document.paths['/cpu/blocking'].get
    t.same(document.paths['/cpu/'], undefined, 'no twin with a trailing slash')
    for (const operation of [pooled, blocking]) {
      t.same(operation.tags, ['cpu'])
      t.match(operation.parameters,
        [{ name: 'n', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d+$' } }])
      t.match(operation.responses[200].content['application/json'].schema, {
        type: 'object',
        required: ['n', 'primes', 'ms'],
        properties: { n: { type: 'integer' }, primes: { type: 'integer' }, ms: { type: 'number' } }
      })
      t.match(operation.responses[400], { description: '?n is missing, or not an integer from 2 to 8000000' })
    }
    t.equal(pooled.summary,
      'Counts the primes below ?n on a worker thread: the event loop stays free for other requests')
    t.equal(blocking.summary,
      'Counts the primes below ?n inline, on the event loop: every other request waits until it is done')
    t.same(Object.keys(pooled.responses).sort(), ['200', '400', '503', '504'])
    t.match(pooled.responses[503], { description: /queue is full/ })
    t.match(pooled.responses[504], { description: "The request's deadline passed" })
    t.same(Object.keys(blocking.responses).sort(), ['200', '400', '503'])
  }
)
