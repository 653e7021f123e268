// Whether a Redis client's error says the connection is down, rather than what Redis answered: apart from the rest,
// so that what asks it loads no Redis client (without REDIS_URL the service loads none).

/** Whether `error` says the connection is down, rather than what Redis answered. */
export function isConnectionLost (error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return 'syscall' in error || error.name === 'MaxRetriesPerRequestError' ||
    /^(Connection is closed|Stream isn't writeable)/.test(error.message)
}
