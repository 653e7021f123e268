// fastify.redis: the connection to Redis when REDIS_URL is set (replicas share state through it), else undefined.
// The service starts without waiting for Redis and reconnects by itself; while Redis is unreachable, or connected but
// not answering a check in time (a circuit breaker, until it answers again), it counts as down, and what needs it is
// refused at once.
import type { Redis, RedisOptions } from 'ioredis'
import fp from 'fastify-plugin'
import type { RedisParts } from '../../src/redis/port.ts'

/** The longest wait between two attempts to reconnect, in ms: a Redis back from a restart is found within it. */
const MAX_RECONNECT_DELAY_MS = 1000

/** How long connecting may take before the attempt counts as failed and the next one is planned, in ms. */
const CONNECT_TIMEOUT_MS = 2000

/**
 * How often Redis is asked whether it answers (a PING), and how long it has to: a Redis still connected but not
 * answering (paused, or cut off by the network) counts as down until that PING is answered. The commands already sent
 * wait for their answers, which Redis gives once it answers again: none is given up on, and none is carried out after
 * its request was told it failed.
 */
const CHECK_INTERVAL_MS = 1000
const CHECK_TIMEOUT_MS = 1000

export interface RedisConnection {
  /**
   * The client for commands. While Redis is unreachable they fail at once rather than queue: a request waits for
   * nothing that may never come.
   */
  readonly client: Redis
  /**
   * A connection of its own for a blocking read (XREAD BLOCK), closed with the app. Its commands wait for it to
   * connect; one in progress when the connection is lost fails, and the reader tries again. With
   * `{ maxRetriesPerRequest: null }`, as BullMQ's worker needs, it is sent again once Redis is back instead, however
   * long Redis is away.
   */
  connection: (name: string, options?: Pick<RedisOptions, 'maxRetriesPerRequest'>) => Redis
  /** What a feature's Redis implementation is built with: the client, a blocking connection named after it... */
  parts: (feature: string, options?: Pick<RedisOptions, 'maxRetriesPerRequest'>) => RedisParts
  /** Whether Redis can be counted on now: the client connected and ready, and answering its checks in time. */
  readonly up: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisConnection | undefined
  }
}

export default fp(async (fastify) => {
  const url = fastify.config.REDIS_URL
  if (url === undefined) {
    fastify.decorate('redis', undefined)
    return
  }
  // Loaded only when there is a Redis to reach: without REDIS_URL the service loads no Redis client.
  const { Redis } = await import('ioredis')
  const options: RedisOptions = {
    connectionName: 'async-service',
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS)
  }
  const connections: Redis[] = []
  let down = false
  function open (name: string, overrides: RedisOptions): Redis {
    const connection = new Redis(url as string, { ...options, ...overrides, connectionName: `async-service:${name}` })
    // ioredis reconnects by itself; an error is worth a line only when the connection was up until then.
    connection.on('error', (error) => { fastify.log.debug({ err: error, connection: name }, 'redis connection error') })
    connections.push(connection)
    return connection
  }
  const client = open('commands', { enableOfflineQueue: false })
  client.on('ready', () => {
    if (down) fastify.log.info('redis reachable again')
    down = false
  })
  // The breaker: a PING every CHECK_INTERVAL_MS while connected, none while the last is unanswered.
  let answering = true
  let asking = false
  const check = setInterval(() => {
    if (asking || client.status !== 'ready') return
    asking = true
    const late = setTimeout(() => {
      answering = false
      fastify.log.warn('redis not answering: requests that need it get 503 until it answers again')
    }, CHECK_TIMEOUT_MS)
    client.ping().then(() => {
      if (!answering) fastify.log.info('redis answering again')
      answering = true
    }, () => {}).finally(() => {
      clearTimeout(late)
      asking = false
    })
  }, CHECK_INTERVAL_MS)
  client.on('close', () => {
    if (!down && client.status !== 'end') {
      fastify.log.warn('redis unreachable: requests that need it get 503 until it is back')
    }
    down = true
  })

  fastify.decorate('redis', {
    client,
    connection: (name, options = {}) => open(name, options),
    parts (feature, options = {}) {
      const { REDIS_KEY_PREFIX: prefix } = fastify.config
      return { client, blocking: this.connection(feature, options), prefix, log: fastify.log }
    },
    get up () { return client.status === 'ready' && answering }
  } satisfies RedisConnection)

  // After everything that uses Redis has stopped (onClose hooks run in reverse order of registration). A connection
  // ends here, unless its user ended it already: ioredis tries to reconnect for ever.
  fastify.addHook('onClose', async () => {
    clearInterval(check)
    await Promise.all(connections.map(async (connection) => {
      if (connection.status === 'end') return
      // Not events.once: it would reject on an error the connection reports as it goes.
      const ended = new Promise((resolve) => connection.once('end', resolve))
      // QUIT lets Redis finish what it was sent. Unreachable, there is nothing to finish, and a QUIT would wait for
      // Redis behind the commands waiting for it: they fail instead.
      if (connection.status === 'ready') await connection.quit().catch(() => { connection.disconnect() })
      else connection.disconnect()
      await ended
    }))
  })
}, { name: 'redis', dependencies: ['config'] })
