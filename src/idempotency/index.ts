// The idempotency store the config asks for: this process's own, or, with REDIS_URL, the one the replicas share.
import { MemoryIdempotencyStore } from './memory.ts'
import type { IdempotencyStore } from './port.ts'
import type { RedisIdempotencyParts } from './redis.ts'

/** The store shared through `redis` when there is one, else this process's. */
export async function createIdempotencyStore (redis?: RedisIdempotencyParts): Promise<IdempotencyStore> {
  if (redis === undefined) return new MemoryIdempotencyStore()
  const { RedisIdempotencyStore } = await import('./redis.ts')
  return new RedisIdempotencyStore(redis)
}
