// The one reader of a Redis Stream: entries after its position in order, one read at a time however often started,
// a stop that wakes a read blocked in Redis, and an outage said once and read through when Redis is back.
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { RedisFailures } from '../../../src/redis/failures.ts'
import type { RedisLog } from '../../../src/redis/port.ts'
import { StreamReader, type StreamEntry } from '../../../src/redis/stream-reader.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

const KEY = 'test:stream'

/** A connection made as the app makes them: the client's commands fail at once while Redis is away. */
async function connection (t: Test, server: RedisServer, blocking: boolean): Promise<Redis> {
  const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000)
  const redis = new Redis(server.url, { retryStrategy, maxRetriesPerRequest: 0, enableOfflineQueue: blocking })
  redis.on('error', () => {})
  t.teardown(() => { redis.disconnect() })
  await until(() => redis.status === 'ready', 20_000)
  return redis
}

/** A reader of KEY from its start, the values it delivered, and what it said. */
async function reader (t: Test, server: RedisServer) {
  const client = await connection(t, server, false)
  const blocking = await connection(t, server, true)
  const values: string[] = []
  const lines: string[] = []
  const log = {
    error: () => {},
    warn: (_: unknown, message: string) => { lines.push(message) },
    info: (message: string) => { lines.push(message) }
  } as unknown as RedisLog
  let last = '0-0'
  const stream = new StreamReader({
    client,
    blocking,
    key: KEY,
    after: () => last,
    deliver: (entries: StreamEntry[]) => {
      for (const [id, fields] of entries) {
        last = id
        values.push(fields[1] as string)
      }
    },
    failures: new RedisFailures(log, 'test')
  })
  t.teardown(async () => { await stream.stop() })
  return { stream, client, values, lines }
}

t.test('delivers every entry after its position, in order, once, however often it is started', async (t) => {
  const server = await redisServer(t)
  const { stream, client, values } = await reader(t, server)
  await client.xadd(KEY, '*', 'value', 'a')
  stream.start()
  await until(() => values.length === 1, 20_000)
  // Blocked in Redis now, for up to 10 s: started again, it reads on rather than wait out that read for a new one.
  await new Promise((resolve) => setTimeout(resolve, 200))
  stream.start()
  const added = performance.now()
  await client.xadd(KEY, '*', 'value', 'b')
  await client.xadd(KEY, '*', 'value', 'c')
  await until(() => values.length === 3, 20_000)
  t.ok(performance.now() - added < 5000, `read at once (${Math.round(performance.now() - added)} ms)`)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(values, ['a', 'b', 'c'])
})

t.test('a stop wakes a read blocked in Redis at once; started again, it reads on from where it was', async (t) => {
  const server = await redisServer(t)
  const { stream, client, values } = await reader(t, server)
  stream.start()
  await client.xadd(KEY, '*', 'value', 'a')
  await until(() => values.length === 1, 20_000)
  // The reader is blocked in Redis now, for up to 10 s.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const stopping = performance.now()
  await stream.stop()
  t.ok(performance.now() - stopping < 5000, `stopped at once (${Math.round(performance.now() - stopping)} ms)`)
  await client.xadd(KEY, '*', 'value', 'b')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(values, ['a'], 'nothing read while stopped')
  stream.start()
  await until(() => values.length === 2, 20_000)
  t.same(values, ['a', 'b'])
})

t.test('stopped and started at once: one reader goes on, and nothing is read twice', async (t) => {
  const server = await redisServer(t)
  const { stream, client, values } = await reader(t, server)
  stream.start()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const stopped = stream.stop()
  stream.start()
  await stopped
  await client.xadd(KEY, '*', 'value', 'a')
  await until(() => values.length === 1, 20_000)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(values, ['a'])
})

t.test('Redis away: said once; back: read through, and said', async (t) => {
  const server = await redisServer(t)
  const { stream, client, values, lines } = await reader(t, server)
  stream.start()
  await new Promise((resolve) => setTimeout(resolve, 200))
  await server.stop()
  await until(() => lines.length > 0, 20_000)
  // Past a few attempts to read again.
  await new Promise((resolve) => setTimeout(resolve, 2500))
  t.same(lines, ['test: Redis unreachable; trying again'], 'said once')
  await server.start()
  await until(() => client.status === 'ready', 20_000)
  await client.xadd(KEY, '*', 'value', 'a')
  await until(() => values.length === 1, 20_000)
  t.same(lines, ['test: Redis unreachable; trying again', 'test: Redis answers again'])
})
