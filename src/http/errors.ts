// The errors the app's plugins throw for the error handler to answer: a 503 to retry after Retry-After (busy,
// unavailable or stopping), and the 499 of work stopped because its client left.
import { httpErrors } from '@fastify/sensible'

/** Seconds a client should wait before it asks again: a pool frees up, or another replica (or this one) serves. */
const RETRY_AFTER_S = 1

/** Status for work stopped because its client left: nobody reads its answer (nginx's 499). */
const CLIENT_CLOSED_REQUEST = 499

/**
 * A 503 with `message` and Retry-After. Its message is for the client, in production too (`expose`): it says what is
 * busy or unavailable, never how.
 */
export function retryLater (message: string): Error {
  return httpErrors.createError(503, message, { headers: { 'retry-after': String(RETRY_AFTER_S) }, expose: true })
}

/** The 503 of work refused, or cancelled, because the service is stopping. */
export function shuttingDown (): Error {
  return retryLater('The service is shutting down')
}

/** The 499 that stops work nobody waits for any more; `message` says whose clients left. */
export function clientClosed (message: string): Error {
  return httpErrors.createError(CLIENT_CLOSED_REQUEST, message)
}
