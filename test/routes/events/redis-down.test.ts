// GET /events with REDIS_URL when Redis fails or stalls: 503 for a new stream, the open ones kept and resumed once it
// is back, shutdown with streams open, and streams that open, close or leave while Redis is slow.
import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { openEventStream, type EventStreamClient, type StreamFrame } from '../../helpers/event-stream-client.ts'
import { build } from '../../helpers/app.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.setTimeout(90_000)

interface Replica {
  fastify: FastifyInstance
  port: number
  logLines: string[]
}

/** An instance of the app on its own port with `server` as its Redis, updates every 20 ms, its log kept. */
async function replica (t: Test, server: RedisServer, env: Record<string, string> = {}): Promise<Replica> {
  const logLines: string[] = []
  const fastify = await build(t, {
    logLines,
    env: {
      REDIS_URL: server.url,
      LOG_LEVEL: 'info',
      LIVE_INTERVAL_MS: '20',
      LIVE_CALL_LATENCY_MS: '5',
      SHUTDOWN_DELAY_MS: '0',
      ...env
    }
  })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  await until(() => fastify.redis?.up === true, 20_000)
  return { fastify, port: (fastify.server.address() as { port: number }).port, logLines }
}

/** Reads a stream's frames into `frames` until it ends. */
function record (stream: EventStreamClient): StreamFrame[] {
  const frames: StreamFrame[] = []
  void (async () => {
    for (;;) frames.push(await stream.next())
  })().catch(() => {})
  return frames
}

const updateIds = (frames: StreamFrame[]): number[] =>
  frames.filter(({ event }) => event === 'update').map(({ id }) => Number(id))

/** The messages of the log lines at `level` or above whose message starts with `prefix`. */
const logged = (lines: string[], prefix: string, level = 40): string[] =>
  lines.map((line) => JSON.parse(line) as { level: number, msg: string })
    .filter(({ level: at, msg }) => at >= level && msg.startsWith(prefix)).map(({ msg }) => msg)

/** A status line and headers from a GET /events over a real socket, and its body if it is not a stream. */
async function answer (
  port: number,
  method = 'GET'
): Promise<{ statusCode: number, headers: Record<string, unknown>, body: string }> {
  return await new Promise((resolve, reject) => {
    request({
      port, host: '127.0.0.1', method, path: '/events', headers: { accept: 'text/event-stream' }
    }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => {
        resolve({ statusCode: response.statusCode as number, headers: response.headers, body })
      })
    }).on('error', reject).end()
  })
}

t.test(
  'Redis gone: a new stream is 503 before any byte; those open stay open, and go on where they were once it is back',
  async (t) => {
    const server = await redisServer(t)
    const a = await replica(t, server, { LIVE_HEARTBEAT_MS: '50' })
    const b = await replica(t, server, { LIVE_HEARTBEAT_MS: '50' })
    const [onA, onB] = [await openEventStream(a.port), await openEventStream(b.port)]
    t.teardown(() => { onA.close(); onB.close() })
    const [framesA, framesB] = [record(onA), record(onB)]
    await until(() => updateIds(framesA).length >= 5 && updateIds(framesB).length >= 5, 20_000)

    await server.stop()
    await until(() => a.fastify.redis?.up === false && b.fastify.redis?.up === false, 20_000)
    for (const { port } of [a, b]) {
      const refused = await answer(port)
      t.equal(refused.statusCode, 503)
      t.equal(refused.headers['retry-after'], '1')
      t.same(JSON.parse(refused.body),
        { statusCode: 503, error: 'Service Unavailable', message: 'The live feed is unavailable for now; retry later' })
      t.equal((await answer(port, 'HEAD')).statusCode, 503, 'HEAD as GET')
    }
    const heardA = framesA.length
    await until(() => framesA.slice(heardA).filter(({ comment }) => comment === 'heartbeat').length >= 3, 20_000)
    t.equal(a.fastify.live.count + b.fastify.live.count, 2, 'the streams open stay open, their heartbeats on')
    const beforeA = updateIds(framesA).length
    const beforeB = updateIds(framesB).length

    await server.start()
    await until(() => updateIds(framesA).length >= beforeA + 10 && updateIds(framesB).length >= beforeB + 10, 30_000)
    for (const [name, frames] of [['A', framesA], ['B', framesB]] as const) {
      const ids = updateIds(frames)
      t.same(ids, Array.from(ids, (_, index) => (ids[0] as number) + index),
        `replica ${name}: the numbers go on through the outage, none twice`)
      t.notOk(frames.some(({ event }) => event === 'lost'), `replica ${name}: nothing lost`)
    }
    for (const { logLines } of [a, b]) {
      t.ok(logged(logLines, 'live feed').length <= 2,
        `said once or twice, not once a command: ${logged(logLines, 'live feed').join('; ')}`)
      t.ok(logged(logLines, 'live feed', 30).includes('live feed: Redis answers again'), 'and said when it was back')
    }
    const again = await openEventStream(b.port)
    t.teardown(again.close)
    t.equal(again.response.statusCode, 200, 'a new stream opens again')
  }
)

t.test(
  'Redis refusing the feed\'s commands while up: 500 with the reason logged, the feed stopped; it opens once it serves',
  async (t) => {
    const server = await redisServer(t)
    // The stream refused gives its place back: the one after it opens.
    const a = await replica(t, server, { LIVE_MAX_STREAMS_PER_CLIENT: '1' })
    const redis = new Redis(server.url)
    t.teardown(() => { redis.disconnect() })
    await redis.set('async-service:live:updates', 'not a stream')
    const refused = await answer(a.port)
    t.equal(refused.statusCode, 500, 'the service\'s failure, not Redis unreachable')
    t.match(logged(a.logLines, 'request failed', 50), ['request failed'])
    t.match(a.logLines.map((line) => JSON.parse(line)).find(({ msg }) => msg === 'request failed'),
      { err: { message: /^WRONGTYPE/ } })
    const calls = async (): Promise<number> => Number((await a.fastify.inject('/metrics')).body.match(/^dependency_calls_total\{outcome="ok"\} (\d+)/m)?.[1])
    const made = await calls()
    await sleep(200)
    t.equal(await calls(), made, 'no call made for nobody')
    await redis.del('async-service:live:updates')
    const stream = await openEventStream(a.port)
    t.teardown(stream.close)
    t.equal((await stream.nextEvent('update')).id, '1')
  }
)

t.test(
  'shutdown with streams open and Redis up: the shutdown event, and the app closes without waiting for the reader',
  async (t) => {
    const server = await redisServer(t)
    const a = await replica(t, server)
    const streams = [await openEventStream(a.port), await openEventStream(a.port)]
    for (const stream of streams) await stream.nextEvent('update')
    const started = performance.now()
    await a.fastify.shutdown.stop()
    const tookMs = performance.now() - started
    for (const stream of streams) {
      t.same(JSON.parse((await stream.nextEvent('shutdown')).data as string),
        { reason: 'The service is shutting down' })
      await stream.ended
    }
    // The reader's blocking read lasts 10 s unless it is unblocked.
    t.ok(tookMs < 8000, `closed in ${Math.round(tookMs)} ms`)
  }
)

t.test('shutdown with streams open and Redis gone: the shutdown event, and the app closes', async (t) => {
  const server = await redisServer(t)
  const a = await replica(t, server)
  const stream = await openEventStream(a.port)
  await stream.nextEvent('update')
  await server.stop()
  await until(() => a.fastify.redis?.up === false, 20_000)
  await a.fastify.shutdown.stop()
  t.same(JSON.parse((await stream.nextEvent('shutdown')).data as string), { reason: 'The service is shutting down' })
  await stream.ended
  t.equal(a.fastify.redis?.client.status, 'end', 'its connections closed')
})

t.test('a stream still waiting for Redis when the drain begins is refused with 503', async (t) => {
  const server = await redisServer(t)
  const a = await replica(t, server)
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  // Redis answers nobody for a while: the stream waits for the feed's position.
  await redis.client('PAUSE', 1500, 'ALL')
  const waiting = answer(a.port)
  await until(() => a.fastify.inFlight.count === 1, 20_000)
  const started = performance.now()
  const stopped = a.fastify.shutdown.stop()
  const refused = await waiting
  t.equal(refused.statusCode, 503)
  t.match(refused.headers, { 'content-type': /^application\/json/ })
  t.notOk('x-accel-buffering' in refused.headers, 'none of the stream\'s headers')
  t.same(JSON.parse(refused.body),
    { statusCode: 503, error: 'Service Unavailable', message: 'The service is shutting down' })
  await stopped
  t.equal(a.fastify.live.count, 0)
  // The reader, started as the pause ended, was stopped before its client id came back: unblocked all the same.
  const tookMs = performance.now() - started
  t.ok(tookMs < 8000, `closed in ${Math.round(tookMs)} ms`)
})

t.test(
  'a client that leaves while its stream waits for Redis: nothing opens, and the feed it started stops',
  async (t) => {
    const server = await redisServer(t)
    const a = await replica(t, server)
    const redis = new Redis(server.url)
    t.teardown(() => { redis.disconnect() })
    await redis.client('PAUSE', 1000, 'ALL')
    const gone = request({ port: a.port, host: '127.0.0.1', path: '/events', headers: { accept: 'text/event-stream' } })
      .on('error', () => {})
    gone.end()
    await until(() => a.fastify.inFlight.count === 1, 20_000)
    gone.destroy()
    // Answered once the pause is over, as the feed's commands are.
    await redis.ping()
    await sleep(300)
    t.equal(await redis.exists('async-service:live:producer'), 0, 'the lease given up, or never taken')
    t.equal(await redis.xlen('async-service:live:updates'), 0, 'nothing made, in 15 intervals')
    t.equal(a.fastify.live.count, 0)
  }
)

t.test(
  'the last stream closing while another waits for Redis leaves the feed running for the one that opens',
  async (t) => {
    const server = await redisServer(t)
    const a = await replica(t, server)
    const redis = new Redis(server.url)
    t.teardown(() => { redis.disconnect() })
    const first = await openEventStream(a.port)
    const [last] = updateIds([await first.nextEvent('update')])
    await redis.client('PAUSE', 1000, 'ALL')
    const opening = openEventStream(a.port, { 'last-event-id': String(last) })
    await until(() => a.fastify.inFlight.count === 1, 20_000)
    first.close()
    await until(() => a.fastify.live.count === 0, 20_000)
    const second = await opening
    t.teardown(second.close)
    const frames = record(second)
    await until(() => updateIds(frames).length >= 5, 20_000)
    const ids = updateIds(frames)
    t.same(ids, Array.from(ids, (_, index) => (last as number) + 1 + index), 'from the one after its last, live')
  }
)
