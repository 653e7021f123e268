// A cancellation handle for the work one request (or one background task) has started: a plain object with the
// callbacks to run when the work must stop.

// An AbortSignal with its listener costs about 1 KB per request; this costs a few dozen bytes until something
// registers, and makes an AbortSignal only for a library that needs one (undici, piscina).
export class Cancellation {
  /** When the work's deadline passes (by performance.now()), for work that can tell a server of it; none if unset. */
  readonly deadline: number | undefined
  #reason: Error | undefined
  /** The one callback registered, as most work registers one at a time; a Set only for more. */
  #callback: ((reason: Error) => void) | undefined
  #callbacks: Set<(reason: Error) => void> | undefined
  #controller: AbortController | undefined

  constructor (deadline?: number) {
    this.deadline = deadline
  }

  /** Why the work was cancelled; undefined while it may go on. */
  get reason (): Error | undefined {
    return this.#reason
  }

  /** Throws the reason if the work was cancelled. */
  throwIfCancelled (): void {
    if (this.#reason !== undefined) throw this.#reason
  }

  /**
   * Runs `callback` once, when the work is cancelled; `off(callback)` unregisters it when the work it stops is done.
   * Throws the reason at once if the work was cancelled already.
   */
  onCancel (callback: (reason: Error) => void): void {
    this.throwIfCancelled()
    if (this.#callback === undefined && this.#callbacks === undefined) this.#callback = callback
    else (this.#callbacks ??= new Set()).add(callback)
  }

  /** Unregisters a callback given to onCancel. */
  off (callback: (reason: Error) => void): void {
    if (this.#callback === callback) this.#callback = undefined
    else this.#callbacks?.delete(callback)
  }

  /** Cancels the work with `reason`; only the first reason counts. */
  cancel (reason: Error): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    this.#controller?.abort(reason)
    const callback = this.#callback
    const callbacks = this.#callbacks
    this.#callback = undefined
    this.#callbacks = undefined
    callback?.(reason)
    if (callbacks !== undefined) for (const each of callbacks) each(reason)
  }

  /** An AbortSignal that aborts with this cancellation, for libraries that take one; made on first use. */
  get signal (): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#reason !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }
}
