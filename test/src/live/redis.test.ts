// The feed shared through Redis, against a real Redis: the lease, the numbers, the reader, the replay, what Redis
// keeps, and stopping.
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import type { LiveUpdate } from '../../../src/live/port.ts'
import { RedisLiveFeed, type RedisLiveFeedOptions } from '../../../src/live/redis.ts'
import type { RedisLog } from '../../../src/redis/port.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.setTimeout(60_000)

/** A call the test ends by hand. */
interface PendingCall {
  cancellation: Cancellation
  resolve: () => void
}

/** A connection as the app's, its errors left to the test. */
async function connect (t: Test, server: RedisServer, commandsWait: boolean): Promise<Redis> {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: commandsWait })
  redis.on('error', () => {})
  t.teardown(() => { redis.disconnect() })
  await until(() => redis.status === 'ready', 20_000)
  return redis
}

/** A feed on `server` whose calls the test ends (unless `options` says otherwise), and what it told. */
async function feedOn (t: Test, server: RedisServer, options: Partial<RedisLiveFeedOptions> = {}) {
  const calls: PendingCall[] = []
  const delivered: LiveUpdate[] = []
  const produced: LiveUpdate[] = []
  const lost: number[] = []
  const leaseLost = new Error('another replica makes the feed')
  const reader = await connect(t, server, true)
  const client = await connect(t, server, false)
  const feed = new RedisLiveFeed({
    client,
    blocking: reader,
    prefix: 'test',
    intervalMs: 10,
    replaySize: 100,
    call: async (cancellation) => await new Promise<void>((resolve, reject) => {
      cancellation.onCancel(reject)
      calls.push({ cancellation, resolve })
    }),
    deliver: (update) => { delivered.push(update) },
    produced: (update) => { produced.push(update) },
    lost: (missed) => { lost.push(missed) },
    leaseLost,
    log: { error: () => {}, warn: () => {}, info: () => {} } as unknown as RedisLog,
    ...options
  })
  t.teardown(async () => { await feed.stop(new Error('the test is over')) })
  const seqs = (updates: LiveUpdate[]): number[] => updates.map(({ seq }) => seq)
  return { feed, client, reader, calls, delivered, produced, lost, leaseLost, seqs }
}

/** Redis as the test sees it, and a lease held by a replica that is not the feed's. */
async function admin (t: Test, server: RedisServer) {
  const redis = await connect(t, server, true)
  return {
    redis,
    leaseElsewhere: async () => await redis.set('test:live:producer', 'another replica', 'PX', 60_000),
    append: async (seq: number) => await redis.xadd('test:live:updates', `${seq}-0`, 'update',
      JSON.stringify({ at: new Date().toISOString(), latencyMs: 1, ok: true }))
  }
}

t.test('an update made after another replica took the lease is not appended', async (t) => {
  const server = await redisServer(t)
  const { redis } = await admin(t, server)
  const { feed, calls, produced, delivered, seqs } = await feedOn(t, server, { intervalMs: 1000 })
  await feed.start()
  await until(() => calls.length === 1, 20_000)
  calls[0]?.resolve()
  await until(() => delivered.length === 1, 20_000)
  await until(() => calls.length === 2, 20_000)
  await redis.set('test:live:producer', 'another replica', 'PX', 60_000)
  calls[1]?.resolve()
  await sleep(300)
  t.same(seqs(produced), [1], 'the second was dropped')
  t.same((await redis.xrange('test:live:updates', '-', '+')).map(([id]) => id), ['1-0'], 'Redis has the first alone')
})

t.test('started again while it stops, the feed reads on: an update appended after is delivered', async (t) => {
  const server = await redisServer(t)
  const { leaseElsewhere, append } = await admin(t, server)
  // Another replica makes the updates: this feed only reads.
  await leaseElsewhere()
  const { feed, delivered, seqs } = await feedOn(t, server)
  await feed.start()
  await append(1)
  await until(() => delivered.length === 1, 20_000)
  const stopping = feed.stop(new Error('the last stream closed'))
  await feed.start()
  await stopping
  await append(2)
  await until(() => delivered.length === 2, 20_000)
  t.same(seqs(delivered), [1, 2])
})

t.test('a call in progress is cancelled when another replica takes the lease over', async (t) => {
  const server = await redisServer(t)
  const { leaseElsewhere } = await admin(t, server)
  const { feed, calls, leaseLost } = await feedOn(t, server, { intervalMs: 20 })
  await feed.start()
  await until(() => calls.length === 1, 20_000)
  await leaseElsewhere()
  await until(() => calls[0]?.cancellation.reason !== undefined, 20_000)
  t.equal(calls[0]?.cancellation.reason, leaseLost)
})

t.test('numbers follow the newest in Redis, or the newest delivered when Redis lost its entries', async (t) => {
  const server = await redisServer(t)
  const { redis } = await admin(t, server)
  const { feed, calls, delivered, seqs } = await feedOn(t, server)
  await feed.start()
  for (let made = 1; made <= 3; made++) {
    await until(() => calls.length === made, 20_000)
    calls[made - 1]?.resolve()
    await until(() => delivered.length === made, 20_000)
  }
  await redis.del('test:live:updates')
  t.same(await feed.replay(1), { missed: 2, updates: [] }, 'updates 2 and 3 are no longer kept')
  await until(() => calls.length === 4, 20_000)
  calls[3]?.resolve()
  await until(() => delivered.length === 4, 20_000)
  t.same(seqs(delivered), [1, 2, 3, 4])
  t.same((await redis.xrange('test:live:updates', '-', '+')).map(([id]) => id), ['4-0'], 'after 3, not from 1 again')
  await feed.stop(new Error('nobody listens'))
  await redis.del('test:live:updates')
  const made = calls.length
  await feed.start()
  await until(() => calls.length === made + 1, 20_000)
  calls[made]?.resolve()
  await until(() => delivered.length === 5, 20_000)
  t.equal(delivered[4]?.seq, 5, 'and after a stop, lost while nobody listened')
})

t.test('the reader tells of updates gone before it read them', async (t) => {
  const server = await redisServer(t)
  const { leaseElsewhere, append } = await admin(t, server)
  await leaseElsewhere()
  const { feed, delivered, lost, seqs } = await feedOn(t, server)
  await feed.start()
  await append(1)
  await append(2)
  await until(() => delivered.length === 2, 20_000)
  await append(5)
  await until(() => delivered.length === 3, 20_000)
  t.same(seqs(delivered), [1, 2, 5])
  t.same(lost, [2], 'updates 3 and 4')
})

t.test('a reader that starts on an empty stream counts none lost before the first it reads', async (t) => {
  const server = await redisServer(t)
  const { leaseElsewhere, append } = await admin(t, server)
  await leaseElsewhere()
  const { feed, delivered, lost, seqs } = await feedOn(t, server)
  await feed.start()
  await append(51)
  await until(() => delivered.length === 1, 20_000)
  t.same(seqs(delivered), [51])
  t.same(lost, [])
})

t.test(
  'a replay waits for the reader to reach the newest in Redis: what it gives was delivered, and nothing is given twice',
  async (t) => {
    const server = await redisServer(t)
    const { redis, leaseElsewhere, append } = await admin(t, server)
    await leaseElsewhere()
    const { feed, reader, delivered, seqs } = await feedOn(t, server)
    // The reader's connection busy with a blocking command of the test's: the reader's read waits behind it.
    const held = reader.blpop('hold', 0)
    await feed.start()
    for (const seq of [1, 2, 3]) await append(seq)
    const replayed = feed.replay(0).then((replay) => ({ replay, deliveredThen: seqs(delivered) }))
    await sleep(200)
    t.same(delivered, [], 'the reader is behind')
    await redis.lpush('hold', 'go')
    await held
    const { replay, deliveredThen } = await replayed
    t.same(deliveredThen, [1, 2, 3], 'the replay came once the reader had them')
    t.same({ missed: replay.missed, seqs: seqs(replay.updates) }, { missed: 0, seqs: [1, 2, 3] })
  }
)

t.test('a replay fails when the reader does not reach the newest in Redis within 5 s', async (t) => {
  const server = await redisServer(t)
  const { redis, leaseElsewhere, append } = await admin(t, server)
  await leaseElsewhere()
  const { feed, reader } = await feedOn(t, server)
  const held = reader.blpop('hold', 0)
  t.teardown(async () => {
    await redis.lpush('hold', 'go')
    await held
  })
  await feed.start()
  await append(1)
  await t.rejects(feed.replay(0), { message: 'The live feed\'s reader did not reach update 1 within 5000 ms' })
})

t.test(
  'with no replay, none is given and every update counts as missed; Redis keeps 100 for the readers',
  async (t) => {
    const server = await redisServer(t)
    const { redis } = await admin(t, server)
    let made = 0
    const { feed, delivered } = await feedOn(t, server, {
      replaySize: 0,
      // 105 calls answered at once, then one that waits.
      call: async (cancellation) => {
        if (++made > 105) await new Promise((resolve, reject) => { cancellation.onCancel(reject) })
      }
    })
    await feed.start()
    await until(() => delivered.length === 105, 20_000)
    t.equal(await redis.xlen('test:live:updates'), 100)
    t.same(await feed.replay(100), { missed: 5, updates: [] })
    t.same(await feed.replay(105), { missed: 0, updates: [] })
  }
)

t.test('a stop unblocks the reader\'s read at once, even one whose client id has not come back', async (t) => {
  const server = await redisServer(t)
  const { redis, leaseElsewhere } = await admin(t, server)
  await leaseElsewhere()
  const { feed } = await feedOn(t, server)
  const blocked = async (): Promise<boolean> => /flags=b .*cmd=xread/.test(await redis.client('LIST') as string)
  await feed.start()
  while (!await blocked()) await sleep(10)
  let started = performance.now()
  await feed.stop(new Error('nobody listens'))
  // The read blocks for 10 s unless it is unblocked.
  t.ok(performance.now() - started < 5000, 'a read blocked in Redis')
  t.notOk(await blocked())
  await feed.start()
  started = performance.now()
  await feed.stop(new Error('nobody listens'))
  t.ok(performance.now() - started < 5000, 'a read just sent')
})

t.test(
  'an update that Redis cannot take is dropped; no call while the lease cannot be renewed; ' +
    'then the numbers go on, said once',
  async (t) => {
    const server = await redisServer(t)
    const warnings: string[] = []
    const infos: string[] = []
    // Calls at 0, 1.5, 3 s...; the lease checked every second.
    const { feed, calls, delivered, seqs } = await feedOn(t, server, {
      intervalMs: 1500,
      log: {
        error: () => {},
        warn: (_: unknown, message: string) => { warnings.push(message) },
        info: (message: string) => { infos.push(message) }
      } as unknown as RedisLog
    })
    await feed.start()
    await until(() => calls.length === 1, 20_000)
    calls[0]?.resolve()
    await until(() => calls.length === 2, 20_000)
    await server.stop()
    calls[1]?.resolve()
    await until(() => warnings.length === 1, 20_000)
    // Past the time of the third call, had the lease's failed check not stopped the calls.
    await sleep(2000)
    t.equal(calls.length, 2, 'no call while Redis is gone')
    await server.start()
    await until(() => calls.length === 3, 20_000)
    calls[2]?.resolve()
    await until(() => delivered.length === 2, 20_000)
    t.same(seqs(delivered), [1, 2], 'the dropped one took no number')
    t.same(warnings, ['live feed: Redis unreachable; trying again'], 'said once, not once a command')
    t.same(infos, ['live feed: Redis answers again'])
  }
)

t.test('the holder renews its lease; a stop gives it up at once, and only if it is the feed\'s', async (t) => {
  const server = await redisServer(t)
  const { redis, leaseElsewhere } = await admin(t, server)
  const { feed, calls } = await feedOn(t, server)
  await feed.start()
  await until(() => calls.length === 1, 20_000)
  await sleep(1500)
  const ttl = await redis.pttl('test:live:producer')
  t.ok(ttl > 2000, `renewed: ${ttl} ms of its 3000 left after 1500`)
  await feed.stop(new Error('nobody listens'))
  t.equal(await redis.exists('test:live:producer'), 0, 'given up')
  await leaseElsewhere()
  void feed.start()
  await feed.stop(new Error('nobody listens'))
  t.equal(await redis.get('test:live:producer'), 'another replica', 'another\'s lease is left alone')
})

t.test('a feed stopped before its lease comes makes no call with it', async (t) => {
  const server = await redisServer(t)
  const { redis } = await admin(t, server)
  const { feed, calls } = await feedOn(t, server)
  void feed.start()
  await feed.stop(new Error('nobody listens'))
  await sleep(200)
  t.equal(calls.length, 0)
  t.equal(await redis.exists('test:live:producer'), 0)
})

t.test('a replay reads again when the reader delivered newer updates than it read meanwhile', async (t) => {
  const server = await redisServer(t)
  const { leaseElsewhere, append } = await admin(t, server)
  await leaseElsewhere()
  const { feed, client, delivered, seqs } = await feedOn(t, server)
  await feed.start()
  for (const seq of [1, 2, 3]) await append(seq)
  await until(() => delivered.length === 3, 20_000)
  // The first read's answer held back until update 4 has been delivered.
  const read = client.xrevrange.bind(client)
  let reads = 0
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  client.xrevrange = (async (...args: Parameters<typeof read>) => {
    const answer = await read(...args)
    if (++reads === 1) await held
    return answer
  }) as typeof client.xrevrange
  const replayed = feed.replay(0)
  await until(() => reads === 1, 20_000)
  await append(4)
  await until(() => delivered.length === 4, 20_000)
  release()
  const replay = await replayed
  t.same(seqs(replay.updates), [1, 2, 3, 4], 'update 4, delivered before the stream is added, is in the replay')
  t.equal(reads, 2)
  t.same(seqs(delivered), [1, 2, 3, 4])
})

t.test('stopping a stopped feed sends Redis nothing: its connections may be closing', async (t) => {
  const server = await redisServer(t)
  const { redis } = await admin(t, server)
  const { feed, client } = await feedOn(t, server)
  const scripts = async (): Promise<string | undefined> => {
    // Answered once the feed's own commands before it are done.
    await client.ping()
    return (await redis.info('commandstats')).match(/^cmdstat_eval:calls=(\d+)/m)?.[1]
  }
  await feed.start()
  await feed.stop(new Error('nobody listens'))
  const sent = await scripts()
  await feed.stop(new Error('nobody listens'))
  t.equal(await scripts(), sent)
})
