// The calls behind the live feed: while started, one dependency call every interval, each one's result handed on as the
// body of an update (when, how long, whether it failed and why), for a feed to number and publish.
import { Cancellation } from '../http/cancellation.ts'

/** An update as a call makes it, before a feed numbers it. */
export interface CallResult {
  /** When the call ended, as an ISO time. */
  at: string
  /** How long the call took, in ms. */
  latencyMs: number
  ok: boolean
  /** Why the call failed, when it did. */
  error?: string
}

export interface LiveCallsOptions {
  intervalMs: number
  /** The call; a rejection's message says why it failed. Cancelled when the calls stop. */
  call: (cancellation: Cancellation) => Promise<unknown>
  /** Told of each call's result, unless the calls stopped while it ran. */
  result: (result: CallResult) => void
}

export class LiveCalls {
  readonly #options: LiveCallsOptions
  /** The call in progress, or undefined while the next is awaited or the calls are stopped. */
  #call: Cancellation | undefined
  #next: NodeJS.Timeout | undefined
  #running = false

  constructor (options: LiveCallsOptions) {
    this.#options = options
  }

  get running (): boolean {
    return this.#running
  }

  /** Starts the calls, the first at once; starting them while they run changes nothing. */
  start (): void {
    if (this.#running) return
    this.#running = true
    this.#tick()
  }

  /** Stops the calls: the one in progress is cancelled with `reason`, and its result is not handed on. */
  stop (reason: Error): void {
    this.#running = false
    clearTimeout(this.#next)
    this.#call?.cancel(reason)
    this.#call = undefined
  }

  #tick (): void {
    const call = this.#call = new Cancellation()
    const startedAt = performance.now()
    // Each call starts an interval after the one before it started, or at once if that one took longer.
    this.#options.call(call).then(() => undefined, (error: Error) => error.message).then((error) => {
      if (call.reason !== undefined) return
      this.#call = undefined
      const now = performance.now()
      this.#options.result({
        at: new Date().toISOString(),
        latencyMs: Math.round(now - startedAt),
        ok: error === undefined,
        ...(error === undefined ? {} : { error })
      })
      this.#next = setTimeout(() => { this.#tick() }, Math.max(0, startedAt + this.#options.intervalMs - now))
    })
  }
}
