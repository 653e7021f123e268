// A rate limit with no timer, two numbers per user: a bucket of `capacity` tokens refilled continuously at `capacity`
// per `periodMs`; each event takes a token, and an event that finds none is over the limit.
export class TokenBucket {
  readonly capacity: number
  readonly periodMs: number
  #tokens: number
  #refilledAt: number

  constructor (capacity: number, periodMs: number, now = performance.now()) {
    this.capacity = capacity
    this.periodMs = periodMs
    this.#tokens = capacity
    this.#refilledAt = now
  }

  /** Takes a token for an event at `now`: false, and nothing taken, when the event is over the limit. */
  take (now = performance.now()): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#refilledAt) * this.capacity / this.periodMs)
    this.#refilledAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
