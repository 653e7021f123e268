// The one way a request that needs Redis learns that Redis is unreachable: a 503 with Retry-After.
import { retryLater } from '../http/errors.ts'

/**
 * Runs `operation`, which needs `redis` (none: it runs as it is). With Redis unreachable, before it runs or as it
 * fails, rejects with a 503 and Retry-After saying so, whatever the operation's own error; with Redis up, with that.
 */
export async function reach<T> (redis: { readonly up: boolean } | undefined, operation: () => Promise<T>): Promise<T> {
  if (redis === undefined) return await operation()
  if (!redis.up) throw retryLater('Redis is unreachable')
  try {
    return await operation()
  } catch (error) {
    throw redis.up ? error : retryLater('Redis is unreachable')
  }
}
