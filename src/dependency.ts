// A simulated slow dependency (a database, an API): each call resolves after its latency, awaited on a timer.
// A plain timer and one abort listener per call: timers/promises with a signal costs three times the memory
// per call in flight, which at 10,000 requests in flight is the difference that matters.

export interface CallOptions {
  /** Cancels this call: it rejects at once with the signal's reason. */
  signal?: AbortSignal
}

export class SlowDependency {
  /** How to cancel each call in flight. */
  readonly #pending = new Set<(reason: unknown) => void>()

  /** How many calls are in flight. */
  get pending (): number {
    return this.#pending.size
  }

  /** Waits `latencyMs` as a remote call would; rejects with the abort reason if cancelled first, as fetch does. */
  async call (latencyMs: number, { signal }: CallOptions = {}): Promise<void> {
    signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer)
        this.#pending.delete(cancel)
        signal?.removeEventListener('abort', onAbort)
      }
      const cancel = (reason: unknown): void => {
        settle()
        reject(reason)
      }
      const onAbort = (): void => { cancel(signal?.reason) }
      const timer = setTimeout(() => {
        settle()
        resolve()
      }, latencyMs)
      signal?.addEventListener('abort', onAbort)
      this.#pending.add(cancel)
    })
  }

  /** Cancels every call in flight with `reason`. */
  cancelAll (reason: Error): void {
    for (const cancel of this.#pending) cancel(reason)
  }
}
