// When, in a stop, the work still waiting is cancelled: shortly before the shutdown timeout, so that its 503 is
// written.

/** How long after the drain begins the work still waiting is cancelled, for a drain of `timeoutMs`. */
export function cutOffAfter (timeoutMs: number): number {
  return timeoutMs - Math.min(1000, timeoutMs / 4)
}
