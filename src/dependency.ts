// A simulated slow dependency (a database, an API): each call resolves after its latency, awaited on a timer.
import { setTimeout as sleep } from 'node:timers/promises'

export interface CallOptions {
  /** Cancels this call: it rejects at once with the signal's reason. */
  signal?: AbortSignal
}

export class SlowDependency {
  readonly #pending = new Set<AbortController>()

  /** Calls in flight, for shutdown and metrics. */
  get pending (): number {
    return this.#pending.size
  }

  /** Waits `latencyMs` as a remote call would; rejects with the abort reason if cancelled first. */
  async call (latencyMs: number, { signal }: CallOptions = {}): Promise<void> {
    signal?.throwIfAborted()
    const controller = new AbortController()
    const forwardAbort = (): void => controller.abort(signal?.reason)
    signal?.addEventListener('abort', forwardAbort, { once: true })
    this.#pending.add(controller)
    try {
      await sleep(latencyMs, undefined, { signal: controller.signal })
    } catch {
      // The timer rejects only when aborted: surface why, as fetch does.
      throw controller.signal.reason
    } finally {
      this.#pending.delete(controller)
      signal?.removeEventListener('abort', forwardAbort)
    }
  }

  /** Cancels every call in flight with `reason`. */
  cancelAll (reason: Error): void {
    for (const controller of this.#pending) controller.abort(reason)
  }
}
