// GET /events on two replicas sharing one Redis: the same updates on both, made by one; a client back on the other
// replica; the producer moving over; the feed stopping when nobody listens; updates gone before a replica read them.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { openEventStream, type EventStreamClient, type StreamFrame } from '../../helpers/event-stream-client.ts'
import { build } from '../../helpers/app.ts'
import { metric } from '../../helpers/metrics.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.setTimeout(60_000)

interface Replica {
  fastify: FastifyInstance
  port: number
}

/** Two instances of the app on their own ports, with one Redis: updates every 20 ms from calls of 5 ms. */
async function replicas (t: Test, env: Record<string, string> = {}): Promise<{ a: Replica, b: Replica, redis: Redis }> {
  const server = await redisServer(t)
  const start = async (): Promise<Replica> => {
    const fastify = await build(t, {
      env: { REDIS_URL: server.url, LIVE_INTERVAL_MS: '20', LIVE_CALL_LATENCY_MS: '5', SHUTDOWN_DELAY_MS: '0', ...env }
    })
    await fastify.listen({ host: '127.0.0.1', port: 0 })
    await until(() => fastify.redis?.up === true, 20_000)
    return { fastify, port: (fastify.server.address() as { port: number }).port }
  }
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  return { a: await start(), b: await start(), redis }
}

/** The next `count` update ids of a stream, other frames skipped. */
async function nextIds (stream: EventStreamClient, count: number): Promise<number[]> {
  const ids: number[] = []
  while (ids.length < count) ids.push(Number((await stream.nextEvent('update')).id))
  return ids
}

/** Every whole number from `first`, `count` of them. */
const run = (first: number, count: number): number[] => Array.from({ length: count }, (_, index) => first + index)

const data = (frame: StreamFrame): unknown => JSON.parse(frame.data as string)

/** Closes a stream and waits until its replica counts it closed. */
async function leave (stream: EventStreamClient, replica: Replica): Promise<void> {
  const open = replica.fastify.live.count
  stream.close()
  await until(() => replica.fastify.live.count < open, 20_000)
}

t.test(
  'streams on both replicas get the same updates, numbered one after another, made by one replica alone',
  async (t) => {
    const { a, b } = await replicas(t)
    const onA = await openEventStream(a.port)
    t.teardown(onA.close)
    const first = Number((await onA.nextEvent('update')).id)
    const onB = await openEventStream(b.port)
    t.teardown(onB.close)
    const [fromB] = await nextIds(onB, 1)
    const fromA = await nextIds(onA, (fromB as number) - first + 19)
    const fromBLater = await nextIds(onB, 19)
    t.same(fromA, run(first + 1, fromA.length), 'replica A: every number once, in order')
    t.same([fromB, ...fromBLater], run(fromB as number, 20), 'replica B: every number once, in order')
    t.same(fromA.slice(-20), [fromB, ...fromBLater], 'the same updates on both')
    const madeByA = await metric(a.fastify, 'live_updates_total')
    const madeByB = await metric(b.fastify, 'live_updates_total')
    t.ok(madeByA === 0 || madeByB === 0, `one replica made them all: ${madeByA} and ${madeByB}`)
    t.ok(madeByA + madeByB >= (fromB as number) + 19, 'counted where they were made')
    const callsOf = async (replica: Replica): Promise<number> =>
      await metric(replica.fastify, 'dependency_calls_total{outcome="ok"}')
    t.equal(Math.min(await callsOf(a), await callsOf(b)), 0, 'the other made no call')
  }
)

t.test('an update is the same on both replicas, to the byte', async (t) => {
  const { a, b } = await replicas(t)
  const onA = await openEventStream(a.port)
  const onB = await openEventStream(b.port)
  t.teardown(() => { onA.close(); onB.close() })
  const seen = await onB.nextEvent('update')
  let same: StreamFrame
  do same = await onA.nextEvent('update'); while (same.id !== seen.id)
  t.same(same, seen)
  t.match(data(seen), { seq: Number(seen.id), at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, latencyMs: Number, ok: true })
})

t.test(
  'a client that comes back to the other replica with Last-Event-ID gets what it missed, then the live updates',
  async (t) => {
    const { a, b } = await replicas(t)
    // A stream on B keeps the feed going while the client is away.
    const keeper = await openEventStream(b.port)
    t.teardown(keeper.close)
    const client = await openEventStream(a.port)
    const [last] = await nextIds(client, 1)
    await leave(client, a)
    await nextIds(keeper, 5)
    const back = await openEventStream(b.port, { 'last-event-id': String(last) })
    t.teardown(back.close)
    t.same(await back.next(), { retry: '2000' })
    const ids = await nextIds(back, 10)
    t.same(ids, run((last as number) + 1, 10), 'from the one after its last, none missed, none twice')
    const again = await openEventStream(a.port, {}, `/events?lastEventId=${ids[9] as number}`)
    t.teardown(again.close)
    await again.next()
    t.equal(Number((await again.next()).id), (ids[9] as number) + 1, 'and back on A by ?lastEventId')
  }
)

t.test('an id older than the replay buffer gets a lost event from either replica, then what is kept', async (t) => {
  const { a, b } = await replicas(t, { LIVE_REPLAY_SIZE: '2' })
  const keeper = await openEventStream(a.port)
  t.teardown(keeper.close)
  await nextIds(keeper, 5)
  const back = await openEventStream(b.port, { 'last-event-id': '0' })
  t.teardown(back.close)
  await back.next()
  const lost = await back.next()
  t.equal(lost.event, 'lost')
  const [kept, newer] = [await back.next(), await back.next()]
  const missed = (data(lost) as { missed: number }).missed
  t.ok(missed >= 3, `${missed} no longer kept`)
  t.same([kept.event, Number(kept.id), Number(newer.id)], ['update', missed + 1, missed + 2],
    'the two kept, after the lost ones')
  const ahead = await openEventStream(b.port, { 'last-event-id': '999999' })
  t.teardown(ahead.close)
  await ahead.next()
  t.same(await ahead.next(), { event: 'lost', data: '{"missed":null}' }, 'an id ahead of the feed')
})

t.test('when the producer\'s last stream closes, the other replica takes over, and the numbers go on', async (t) => {
  const { a, b } = await replicas(t)
  const onA = await openEventStream(a.port)
  await nextIds(onA, 1)
  const onB = await openEventStream(b.port)
  t.teardown(onB.close)
  await nextIds(onB, 1)
  const producer = await metric(a.fastify, 'live_updates_total') > 0
    ? { replica: a, stream: onA, other: b }
    : { replica: b, stream: onB, other: a }
  const before = await metric(producer.other.fastify, 'live_updates_total')
  t.equal(before, 0, 'the other made none so far')
  await leave(producer.stream, producer.replica)
  const remaining = producer.stream === onA ? onB : onA
  const ids = await nextIds(remaining, 30)
  t.same(ids, run(ids[0] as number, 30), 'no number skipped or repeated through the handover')
  t.ok(await metric(producer.other.fastify, 'live_updates_total') > 0, 'the other replica makes them now')
  const made = await metric(producer.replica.fastify, 'live_updates_total')
  await nextIds(remaining, 5)
  t.equal(await metric(producer.replica.fastify, 'live_updates_total'), made, 'the first makes no more')
  onA.close()
})

t.test(
  'the feed stops when nobody listens on any replica: no call, nothing appended, the lease given up',
  async (t) => {
    const { a, b, redis } = await replicas(t)
    const onA = await openEventStream(a.port)
    const onB = await openEventStream(b.port)
    await nextIds(onA, 3)
    await nextIds(onB, 1)
    await leave(onA, a)
    await nextIds(onB, 3)
    await leave(onB, b)
    while (await redis.exists('async-service:live:producer') === 1) await sleep(10)
    const newest = async (): Promise<string | undefined> =>
      (await redis.xrevrange('async-service:live:updates', '+', '-', 'COUNT', 1))[0]?.[0]
    const last = await newest()
    const calls = async (): Promise<number[]> =>
      [await metric(a.fastify, 'dependency_calls_in_flight'), await metric(b.fastify, 'dependency_calls_in_flight')]
    await sleep(300)
    t.equal(await newest(), last, 'nothing appended since, in 15 intervals')
    t.same(await calls(), [0, 0], 'no call in progress')
    const back = await openEventStream(b.port)
    t.teardown(back.close)
    const [next] = await nextIds(back, 1)
    t.equal(next, Number(last?.split('-')[0]) + 1, 'and it starts again where it was')
  }
)

t.test('updates gone from Redis before a replica read them are told to its streams as a lost event', async (t) => {
  const { a, redis } = await replicas(t)
  // Another replica makes the feed: here, the test.
  await redis.set('async-service:live:producer', 'another replica', 'PX', 60_000)
  const append = async (seq: number): Promise<unknown> =>
    await redis.xadd('async-service:live:updates', `${seq}-0`, 'update',
      JSON.stringify({ at: '2026-11-26T18:46:06.956Z', latencyMs: 100, ok: true }))
  const stream = await openEventStream(a.port)
  t.teardown(stream.close)
  await append(1)
  t.equal((await stream.nextEvent('update')).id, '1')
  await append(4)
  t.same(await stream.next(), { event: 'lost', data: '{"missed":2}' }, 'updates 2 and 3')
  t.same(await stream.next(),
    { event: 'update', id: '4', data: '{"seq":4,"at":"2026-11-26T18:46:06.956Z","latencyMs":100,"ok":true}' })
})
