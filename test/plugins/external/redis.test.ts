// The Redis connection: none without REDIS_URL; with it, commands against a real Redis; while it is unreachable, or
// since a command timed out until it answers again, counted down (/health and redis_up say so; /ready stays 200, as
// readiness is this process's alone); back by itself; every connection closed with the app.
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { build } from '../../helpers/app.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

// Two tests pause Redis for 5 s, and others stop it and wait for the client to notice: room for a busy machine.
t.setTimeout(120_000)

/**
 * The app on a Redis of its own, and a connection with BullMQ's setting (a command waits for Redis to come back) that
 * answered once; then Redis stopped, and the connection knows it.
 */
async function workerConnectionRedisGone (
  t: Test
): Promise<{ redis: RedisServer, fastify: FastifyInstance, connection: Redis }> {
  const redis = await redisServer(t)
  const fastify = await build(t, { env: { REDIS_URL: redis.url } })
  const connection = fastify.redis?.connection('worker', { maxRetriesPerRequest: null })
  if (connection === undefined) throw new Error('no connection')
  t.equal(await connection.ping(), 'PONG')
  await redis.stop()
  await until(() => connection.status !== 'ready')
  return { redis, fastify, connection }
}

t.test('every key the service keeps in Redis starts with REDIS_KEY_PREFIX: the tasks\' and the rate limit\'s',
  async (t) => {
    const redis = await redisServer(t)
    const fastify = await build(t, { env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'shop', RATE_LIMIT_MAX: '10' } })
    const connection = fastify.redis as NonNullable<typeof fastify.redis>
    await until(() => connection.up)
    const accepted = await fastify.inject({ method: 'POST', url: '/tasks', payload: { latencyMs: 0 } })
    t.equal(accepted.statusCode, 202)
    const keys = await connection.client.keys('*')
    t.ok(keys.some((key) => key.startsWith('shop:tasks:')), 'the tasks\' keys')
    t.ok(keys.some((key) => key.startsWith('shop:rate-limit:')), 'the rate limit\'s keys')
    t.same(keys.filter((key) => !key.startsWith('shop:')), [], 'no other key')
  })

t.test('without REDIS_URL there is no connection, and /ready does not ask for one', async (t) => {
  const fastify = await build(t)
  t.equal(fastify.redis, undefined)
  t.equal((await fastify.inject('/ready')).statusCode, 200)
})

t.test('with REDIS_URL, commands reach Redis, and a connection of its own for blocking reads', async (t) => {
  const redis = await redisServer(t)
  const fastify = await build(t, { env: { REDIS_URL: redis.url } })
  const connection = fastify.redis
  if (connection === undefined) throw new Error('no connection')
  await until(() => connection.up)
  t.equal(await connection.client.set('greeting', 'hello'), 'OK')
  const reader = connection.connection('reader')
  t.equal(await reader.get('greeting'), 'hello')
  t.same((await fastify.inject('/ready')).json(), { status: 'ok' })
  await fastify.close()
  t.equal(connection.client.status, 'end', 'closed with the app')
  t.equal(reader.status, 'end', 'closed with the app')
})

/** What /health and /metrics say of Redis now: /health's body, and redis_up. */
async function said (fastify: FastifyInstance): Promise<{ health: unknown, redisUp: string | undefined }> {
  const health = (await fastify.inject('/health')).json()
  const metrics = (await fastify.inject('/metrics')).body
  return { health, redisUp: /^redis_up (\d)$/m.exec(metrics)?.[1] }
}

t.test('Redis gone: still ready, /health and redis_up say it is down, commands fail at once; back by itself',
  async (t) => {
    const redis = await redisServer(t)
    const logLines: string[] = []
    const fastify = await build(t, { env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' }, logLines })
    const connection = fastify.redis
    if (connection === undefined) throw new Error('no connection')
    await until(() => connection.up)

    t.same(await said(fastify), { health: { status: 'ok', redis: 'up' }, redisUp: '1' })

    await redis.stop()
    await until(() => !connection.up)
    const ready = await fastify.inject('/ready')
    t.equal(ready.statusCode, 200, 'ready: this process can serve what needs no Redis')
    t.same(ready.json(), { status: 'ok' })
    t.same(await said(fastify), { health: { status: 'ok', redis: 'down' }, redisUp: '0' },
      'alive, saying Redis is down')
    // Refused at once, not queued: a command that waited would fail only after an attempt to reconnect, saying so.
    await t.rejects(connection.client.get('greeting'), {
      message: "Stream isn't writeable and enableOfflineQueue options is false"
    }, 'a command fails rather than waits')

    await redis.start()
    await until(() => connection.up, 20_000)
    t.same(await said(fastify), { health: { status: 'ok', redis: 'up' }, redisUp: '1' })
    t.equal(await connection.client.ping(), 'PONG')
    const messages = logLines.map((line) => JSON.parse(line).msg)
    t.ok(messages.includes('redis unreachable: requests that need it get 503 until it is back'), 'said when it went')
    t.ok(messages.includes('redis reachable again'), 'said when it came back')
  })

t.test('a Redis connected but not answering: once a check goes unanswered, what needs Redis is refused at once, ' +
  'until it answers again', async (t) => {
  const redis = await redisServer(t)
  const logLines: string[] = []
  const fastify = await build(t, { env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' }, logLines })
  const connection = fastify.redis as NonNullable<typeof fastify.redis>
  await until(() => connection.up)
  const admin = connection.connection('admin')
  // Redis holds every client's commands for 5 s: connected, but answering none.
  await admin.call('CLIENT', 'PAUSE', '5000', 'ALL')
  await until(() => !connection.up, 20_000)
  t.same(await said(fastify), { health: { status: 'ok', redis: 'down' }, redisUp: '0' })
  const post = async () => await fastify.inject({ method: 'POST', url: '/tasks', payload: { latencyMs: 0 } })
  t.match((await post()).json(), { statusCode: 503, message: 'Background tasks are unavailable for now; retry later' },
    'refused without a command, which would wait for Redis')
  t.equal((await fastify.inject('/ready')).statusCode, 200, 'ready all along')
  await until(() => connection.up, 20_000)
  t.equal((await post()).statusCode, 202, 'accepted again once Redis answers')
  const messages = logLines.map((line) => JSON.parse(line).msg)
  t.ok(messages.includes('redis not answering: requests that need it get 503 until it answers again'))
  t.ok(messages.includes('redis answering again'))
})

t.test('a service started while Redis is down starts, ready, saying Redis is down until it comes', async (t) => {
  const redis = await redisServer(t)
  await redis.stop()
  const fastify = await build(t, { env: { REDIS_URL: redis.url } })
  t.same((await fastify.inject('/ready')).json(), { status: 'ok' })
  t.same((await fastify.inject('/health')).json(), { status: 'ok', redis: 'down' })
  await redis.start()
  await until(() => fastify.redis?.up === true, 20_000)
  t.same((await fastify.inject('/health')).json(), { status: 'ok', redis: 'up' })
})

t.test(
  "a connection with BullMQ's setting keeps its command while Redis is away, and sends it once Redis is back",
  async (t) => {
    const { redis, connection } = await workerConnectionRedisGone(t)
    let answered: string | undefined
    const setting = connection.set('greeting', 'hello').then((answer) => { answered = answer })
    // Longer than a few attempts to reconnect: a connection without the setting fails its command at the first.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    t.equal(answered, undefined, 'still waiting')
    await redis.start()
    await setting
    t.equal(answered, 'OK')
    t.equal(await connection.get('greeting'), 'hello')
  }
)

t.test(
  'the app closes while Redis is away, a connection holding a command for it: the command fails, nothing waits',
  async (t) => {
    const { fastify, connection } = await workerConnectionRedisGone(t)
    const failed = t.rejects(connection.get('greeting'), { message: 'Connection is closed.' })
    const started = performance.now()
    await fastify.close()
    t.ok(performance.now() - started < 5000, 'closed without waiting for Redis')
    await failed
    t.equal(connection.status, 'end')
  }
)

t.test('a connection its user has ended already is left as it is when the app closes', async (t) => {
  const redis = await redisServer(t)
  const fastify = await build(t, { env: { REDIS_URL: redis.url } })
  const connection = fastify.redis?.connection('worker')
  if (connection === undefined) throw new Error('no connection')
  t.equal(await connection.ping(), 'PONG')
  connection.disconnect()
  await until(() => connection.status === 'end')
  await t.resolves(fastify.close())
})
