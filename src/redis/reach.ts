// The one way a request that needs Redis learns that Redis is unreachable, or not answering: a 503 with Retry-After,
// saying which part of the service is unavailable, not why.
import { retryLater } from '../http/errors.ts'
import { isConnectionLost } from './connection-lost.ts'

/**
 * Runs `operation`, which needs `redis` (none: it runs as it is). With Redis unreachable, before it runs or as it
 * fails, rejects with a 503 and Retry-After whose message is `unavailable` (which part of the service, such as
 * "Background tasks are unavailable for now; retry later"), whatever the operation's own error; with Redis up, with
 * that.
 */
export async function reach<T> (
  redis: { readonly up: boolean } | undefined,
  unavailable: string,
  operation: () => Promise<T>
): Promise<T> {
  if (redis === undefined) return await operation()
  if (!redis.up) throw retryLater(unavailable)
  try {
    return await operation()
  } catch (error) {
    // A connection lost under the operation counts, though the client may not say it is down yet (a crash).
    throw redis.up && !isConnectionLost(error) ? error : retryLater(unavailable)
  }
}
