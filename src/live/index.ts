// The live feed the config asks for: this process's own, or, with REDIS_URL, one made once for every replica.
import type { RedisParts } from '../redis/port.ts'
import { MemoryLiveFeed } from './memory.ts'
import type { LiveFeed, LiveFeedOptions, SharedLiveFeedOptions } from './port.ts'

/** The feed shared through `redis` (Redis's parts for the feed) when there is one, else this process's. */
export async function createLiveFeed (
  options: LiveFeedOptions & SharedLiveFeedOptions,
  redis?: RedisParts
): Promise<LiveFeed> {
  if (redis === undefined) return new MemoryLiveFeed(options)
  // Loaded only to be used, as the other Redis-backed parts are.
  const { RedisLiveFeed } = await import('./redis.ts')
  return new RedisLiveFeed({ ...redis, ...options })
}
