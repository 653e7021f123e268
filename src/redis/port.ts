// What every Redis-backed implementation is built with: the same options, in the same shape, in every feature.
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'

/** Where an implementation says what Redis did to it: the app's logger will do. */
export type RedisLog = Pick<FastifyBaseLogger, 'error' | 'warn' | 'info'>

export interface RedisParts {
  /** For commands: they fail at once while Redis is unreachable. */
  client: Redis
  /** A connection of its own for blocking commands (a stream's reads, BullMQ's worker), closed by its owner. */
  blocking: Redis
  /** What every key of the service starts with (REDIS_KEY_PREFIX): keys are `<prefix>:<feature>:<name>`. */
  prefix: string
  log: RedisLog
}
