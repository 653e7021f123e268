// The 503 a client should retry after Retry-After: the service is busy (a pool's queue full, too many tasks) or stopping.
import { httpErrors } from '@fastify/sensible'

/** Seconds a client should wait before it asks again: a pool frees up, or another replica (or this one restarted) serves. */
const RETRY_AFTER_S = 1

/** A 503 with `message` and Retry-After, for the error handler to answer. */
export function retryLater (message: string): Error {
  return httpErrors.createError(503, message, { headers: { 'retry-after': String(RETRY_AFTER_S) } })
}
