// When, in a stop, the serving ends (once nothing has come for a quiet moment, or at the delay's end), when idle
// connections are first closed, and when the work still waiting is cancelled (shortly before the shutdown timeout, so
// that its 503 is written).

/**
 * How long after `now` a connection that has begun no request may be closed, each being given `graceMs` to begin one:
 * every connection open arrived by `lastArrival` at the latest (the stop's start, or what came during it), so none is
 * younger than that; 0 for `lastArrival` means no stop was noted, so one may have just arrived.
 */
export function firstSweepIn (graceMs: number, lastArrival: number, now: number): number {
  return lastArrival === 0 ? graceMs : Math.max(0, lastArrival + graceMs - now)
}

/** How long after the drain begins the work still waiting is cancelled, for a drain of `timeoutMs`. */
export function cutOffAfter (timeoutMs: number): number {
  return timeoutMs - Math.min(1000, timeoutMs / 4)
}

/** Why the serving of a stop ended. */
export type DelayEnd = 'quiet' | 'delay' | 'aborted'

/**
 * Resolves once nothing has arrived for `quietMs` since the call (`lastArrival` says when something last did, on
 * performance.now()'s clock; 0: no such early end), or `maxMs` after the call, or when `signal` aborts: whichever
 * comes first. The quiet time is counted from the call at the earliest, so that connections the kernel holds queued
 * at that moment are accepted before the server stops accepting.
 */
export async function quietOrDelay (
  quietMs: number,
  maxMs: number,
  lastArrival: () => number,
  signal: AbortSignal
): Promise<DelayEnd> {
  const called = performance.now()
  const deadline = called + maxMs
  return await new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const end = (why: DelayEnd): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', aborted)
      resolve(why)
    }
    const aborted = (): void => { end('aborted') }
    const look = (): void => {
      const now = performance.now()
      const quietAt = quietMs === 0 ? Infinity : Math.max(called, lastArrival()) + quietMs
      if (quietAt <= now) return end('quiet')
      if (deadline <= now) return end('delay')
      timer = setTimeout(look, Math.min(quietAt, deadline) - now)
    }
    if (signal.aborted) return resolve('aborted')
    signal.addEventListener('abort', aborted)
    look()
  })
}
