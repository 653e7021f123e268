// GET /events over real sockets: the stream's head and frames, heartbeats, replay from Last-Event-ID, the feed running
// only while someone listens, 406 and 400, a stream that holds too much unsent, metrics, and shutdown with streams
// open.
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { openEventStream, type StreamFrame } from '../../helpers/event-stream-client.ts'
import { build } from '../../helpers/app.ts'
import { metric } from '../../helpers/metrics.ts'
import { readUntilClosed } from '../../helpers/sockets.ts'

// Several seconds of real waits on a quiet machine: room for a busy one (tap's default is 30 s for the file).
t.setTimeout(120_000)

/** The app listening on a free port, updates every 20 ms from calls of 5 ms. */
async function serve (t: Test, env: Record<string, string> = {}): Promise<{ fastify: FastifyInstance, port: number }> {
  const fastify = await build(t, {
    env: { LIVE_INTERVAL_MS: '20', LIVE_CALL_LATENCY_MS: '5', SHUTDOWN_DELAY_MS: '0', ...env }
  })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return { fastify, port: (fastify.server.address() as { port: number }).port }
}

/** Waits until `series` reads `value`. */
async function until (fastify: FastifyInstance, series: string, value: number): Promise<void> {
  while (await metric(fastify, series) !== value) await sleep(10)
}

const data = (frame: StreamFrame): unknown => JSON.parse(frame.data as string)

/**
 * A client listens until it has `updates` updates, then leaves, and the feed stops: resolves with the latest update
 * published, which new streams may replay.
 */
async function listenedTo (fastify: FastifyInstance, port: number, updates: number): Promise<number> {
  const first = await openEventStream(port)
  for (let seen = 0; seen < updates;) if ((await first.next()).event === 'update') seen++
  first.close()
  await until(fastify, 'live_streams_open', 0)
  return await metric(fastify, 'live_updates_total')
}

t.test(
  'a stream opens with the event-stream head and the retry advice, then an update event per call, numbered from 1',
  async (t) => {
    const { port } = await serve(t, { LIVE_RETRY_MS: '1500' })
    const stream = await openEventStream(port, { 'x-request-id': 'stream-1' })
    t.teardown(stream.close)
    t.equal(stream.response.statusCode, 200)
    t.match(stream.response.headers, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'close',
      'x-request-id': 'stream-1',
      'x-content-type-options': 'nosniff',
      'content-security-policy': /^default-src 'self';/
    })
    t.notOk('transfer-encoding' in stream.response.headers,
      'no chunked framing: the body runs until the connection closes')
    t.same(await stream.next(), { retry: '1500' })
    for (const seq of [1, 2, 3]) {
      const update = await stream.nextEvent('update')
      t.equal(update.id, String(seq))
      t.match(data(update), { seq, at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, latencyMs: Number, ok: true })
    }
  }
)

t.test('a stream is a request in flight while open; once its client leaves, logged once as completed, and timed',
  async (t) => {
    const logLines: string[] = []
    const fastify = await build(t, {
      logLines,
      env: { LOG_LEVEL: 'info', LIVE_INTERVAL_MS: '20', LIVE_CALL_LATENCY_MS: '5' }
    })
    await fastify.listen({ host: '127.0.0.1', port: 0 })
    const stream = await openEventStream((fastify.server.address() as { port: number }).port)
    await stream.nextEvent('update')
    const timed = 'http_request_duration_seconds_count{method="GET",route="/events",status_code="200"}'
    t.equal(await metric(fastify, 'http_requests_in_flight'), 2, 'the stream, and the scrape that asks')
    t.notOk((await fastify.inject('/metrics')).body.includes(timed), 'not timed while open')
    stream.close()
    await until(fastify, 'http_requests_in_flight', 1)
    t.equal(await metric(fastify, timed), 1)
    const access = logLines.map((line) => JSON.parse(line) as { msg: string, url?: string })
      .filter(({ url }) => url === '/events')
    t.match(access, [{ msg: 'request completed', statusCode: 200, responseTime: Number }])
  }
)

t.test('headers the app\'s hooks set before the stream opens are in its head: the rate limit\'s', async (t) => {
  const { port } = await serve(t, { RATE_LIMIT_MAX: '100' })
  const stream = await openEventStream(port)
  t.teardown(stream.close)
  t.match(stream.response.headers, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99' })
})

t.test('HEAD /events answers the head alone, and closes', async (t) => {
  const { port } = await serve(t)
  const client = connect(port, '127.0.0.1')
  client.write('HEAD /events HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\n\r\n')
  const received = await readUntilClosed(client)
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(received, '\r\ncontent-type: text/event-stream\r\n')
  t.notMatch(received, /content-length/i, 'no length: a stream has none')
  t.ok(received.endsWith('\r\n\r\n'), 'nothing after the head')
})

t.test('a failed call is published too, with its error', async (t) => {
  const { port } = await serve(t, { DEPENDENCY_FAILURE_RATE: '1' })
  const stream = await openEventStream(port)
  t.teardown(stream.close)
  t.match(data(await stream.nextEvent('update')), { seq: 1, ok: false, error: /^The dependency failed/ })
})

t.test('Accept: text/*, */* or none opens a stream', async (t) => {
  const { port } = await serve(t)
  for (const accept of ['text/*', '*/*', 'application/json;q=0.9, text/event-stream;q=0.1']) {
    const stream = await openEventStream(port, { accept })
    t.equal(stream.response.statusCode, 200, accept)
    stream.close()
  }
})

t.test('an empty Accept header accepts the stream, as none does', async (t) => {
  const fastify = await build(t)
  const answer = await fastify.inject({ method: 'HEAD', url: '/events', headers: { accept: '' } })
  t.equal(answer.statusCode, 200)
  t.equal(answer.headers['content-type'], 'text/event-stream')
})

t.test('an Accept header that excludes text/event-stream gets 406 JSON', async (t) => {
  const fastify = await build(t)
  for (const accept of ['application/json', 'text/html', 'text/event-stream;q=0']) {
    const response = await fastify.inject({ url: '/events', headers: { accept } })
    t.equal(response.statusCode, 406, accept)
    t.same(response.json(), {
      statusCode: 406,
      error: 'Not Acceptable',
      message: `GET /events answers text/event-stream only, which the Accept header (${accept}) excludes`
    })
  }
})

t.test('a Last-Event-ID that is not an update\'s id gets 400 naming it', async (t) => {
  const fastify = await build(t)
  for (const id of ['abc', '-1', '1.5', '1234567890123456']) {
    const response = await fastify.inject({
      url: '/events',
      headers: { accept: 'text/event-stream', 'last-event-id': id }
    })
    t.equal(response.statusCode, 400, id)
    t.match(response.json(), {
      message: 'headers/last-event-id must be the id of an update: a whole number of at most 15 digits',
      code: 'FST_ERR_VALIDATION'
    })
  }
})

t.test('a ?lastEventId that is not an update\'s id gets 400 naming it', async (t) => {
  const fastify = await build(t)
  const response = await fastify.inject({ url: '/events?lastEventId=x', headers: { accept: 'text/event-stream' } })
  t.equal(response.statusCode, 400)
  t.match(response.json(), {
    message: 'querystring/lastEventId must be the id of an update: a whole number of at most 15 digits',
    code: 'FST_ERR_VALIDATION'
  })
})

t.test('streams get a heartbeat comment every LIVE_HEARTBEAT_MS', async (t) => {
  const { port } = await serve(t, { LIVE_HEARTBEAT_MS: '20', LIVE_INTERVAL_MS: '3600000' })
  const stream = await openEventStream(port)
  t.teardown(stream.close)
  const comments: StreamFrame[] = []
  while (comments.length < 2) {
    const frame = await stream.next()
    if (frame.comment !== undefined) comments.push(frame)
  }
  t.same(comments, [{ comment: 'heartbeat' }, { comment: 'heartbeat' }])
})

t.test('the feed runs only while someone listens: the last client leaving cancels its call and stops it', async (t) => {
  // Calls of a second, one after another: the next is under way, with most of its second left, as a client has read
  // an update and leaves.
  const { fastify, port } = await serve(t, { LIVE_CALL_LATENCY_MS: '1000' })
  t.equal(await metric(fastify, 'live_updates_total'), 0, 'nothing published before anyone listens')
  await sleep(100)
  t.equal(await metric(fastify, 'dependency_calls_total{outcome="ok"}'), 0, 'no call before anyone listens')
  const [first, second] = [await openEventStream(port), await openEventStream(port)]
  await first.nextEvent('update')
  t.equal(await metric(fastify, 'live_streams_open'), 2)
  first.close()
  await until(fastify, 'live_streams_open', 1)
  await second.nextEvent('update')
  second.close()
  await until(fastify, 'live_streams_open', 0)
  await until(fastify, 'dependency_calls_total{outcome="cancelled"}', 1)
  const published = await metric(fastify, 'live_updates_total')
  await sleep(200)
  t.equal(await metric(fastify, 'live_updates_total'), published, 'nothing published once everyone left')
  t.equal(await metric(fastify, 'dependency_calls_in_flight'), 0)
})

t.test(
  'a client that comes back with Last-Event-ID gets the updates it missed first, then the live ones',
  async (t) => {
    const { fastify, port } = await serve(t)
    const latest = await listenedTo(fastify, port, 4)
    const back = await openEventStream(port, { 'last-event-id': '2' })
    t.teardown(back.close)
    t.same(await back.next(), { retry: '2000' })
    for (let seq = 3; seq <= latest + 2; seq++) {
      const update = await back.next()
      t.equal(update.event, 'update')
      t.equal(update.id, String(seq), seq <= latest ? `missed update ${seq} replayed` : `live update ${seq} follows`)
    }
  }
)

t.test(
  '?lastEventId does the same for a client that cannot send the header, and the header wins over it',
  async (t) => {
    const { fastify, port } = await serve(t)
    await listenedTo(fastify, port, 3)
    const byQuery = await openEventStream(port, {}, '/events?lastEventId=2')
    await byQuery.next()
    t.equal((await byQuery.next()).id, '3', 'the update after 2 first')
    byQuery.close()
    const both = await openEventStream(port, { 'last-event-id': '1' }, '/events?lastEventId=2')
    t.teardown(both.close)
    await both.next()
    t.equal((await both.next()).id, '2', 'the update after the header\'s 1 first')
  }
)

t.test(
  'an id older than the replay buffer gets a lost event with how many are gone, then what the buffer has',
  async (t) => {
    const { fastify, port } = await serve(t, { LIVE_REPLAY_SIZE: '2' })
    const latest = await listenedTo(fastify, port, 5)
    const back = await openEventStream(port, { 'last-event-id': '0' })
    t.teardown(back.close)
    t.same(await back.next(), { retry: '2000' })
    const lost = await back.next()
    t.equal(lost.event, 'lost')
    t.same(data(lost), { missed: latest - 2 })
    t.equal((await back.next()).id, String(latest - 1))
    t.equal((await back.next()).id, String(latest))
    t.equal((await back.nextEvent('update')).id, String(latest + 1), 'then the live ones')
  }
)

t.test(
  'an id ahead of the feed (from an earlier run) gets a lost event with an unknown count, then what the buffer has',
  async (t) => {
    const { fastify, port } = await serve(t, { LIVE_REPLAY_SIZE: '2' })
    const latest = await listenedTo(fastify, port, 3)
    const back = await openEventStream(port, { 'last-event-id': '999999' })
    t.teardown(back.close)
    await back.next()
    t.same(await back.next(), { event: 'lost', data: '{"missed":null}' })
    t.equal((await back.next()).id, String(latest - 1))
    t.equal((await back.next()).id, String(latest))
  }
)

t.test('a stream that holds more than LIVE_MAX_BUFFERED_BYTES unsent is disconnected and counted', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, {
    logLines,
    env: { LOG_LEVEL: 'warn', LIVE_INTERVAL_MS: '10', LIVE_CALL_LATENCY_MS: '0', LIVE_MAX_BUFFERED_BYTES: '2000' }
  })
  // Every connection's writes stay in the service, as when a client reads nothing and the kernel's buffers are full.
  fastify.server.on('connection', (socket: Socket) => { socket.cork() })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const client = connect((fastify.server.address() as { port: number }).port, '127.0.0.1')
  client.write('GET /events HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\n\r\n')
  // The head and the retry advice (about 1 KB) fit; a dozen updates later, it is cut off.
  t.equal(await readUntilClosed(client), '', 'nothing of what was held reached it')
  t.equal(await metric(fastify, 'live_clients_dropped_total'), 1)
  await until(fastify, 'live_streams_open', 0)
  const [line] = logLines.map((line) => JSON.parse(line) as { level: number, msg: string, bufferedBytes: number })
  t.match(line, { level: 40, msg: 'event stream dropped: its client reads too slowly' })
  t.ok((line?.bufferedBytes as number) > 2000, `it held ${line?.bufferedBytes} bytes`)
})

t.test('on shutdown every stream gets a shutdown event and ends, and the stop completes', async (t) => {
  const { fastify, port } = await serve(t)
  const streams = [await openEventStream(port), await openEventStream(port)]
  for (const stream of streams) await stream.nextEvent('update')
  t.equal(await metric(fastify, 'live_streams_open'), 2)
  await fastify.shutdown.stop()
  for (const stream of streams) {
    const frame = await stream.nextEvent('shutdown')
    t.same(data(frame), { reason: 'The service is shutting down' })
    await stream.ended
  }
  // The server's close completes as the last socket is destroyed, a moment before that socket's 'close' is told.
  for (let turn = 0; turn < 100 && fastify.live.count > 0; turn++) await sleep(10)
  t.equal(fastify.live.count, 0)
})

t.test('once the service drains, a new stream is refused with 503 and Retry-After', async (t) => {
  const fastify = await build(t, { env: { SHUTDOWN_DELAY_MS: '0' } })
  await fastify.shutdown.stop()
  await t.rejects(fastify.live.open(undefined as never),
    { statusCode: 503, message: 'The service is shutting down', headers: { 'retry-after': '1' } })
})
