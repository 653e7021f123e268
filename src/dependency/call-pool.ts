// A pool of slots for calls to a dependency, as a database client's pool of connections: at most `size` calls at once,
// the rest wait in order for a slot, for at most `queueTimeoutMs`. Shared by the simulator and the HTTP client.
import type { Cancellation } from '../http/cancellation.ts'
import { DependencyError } from './port.ts'

interface Waiter {
  resolve: () => void
  reject: (reason: Error) => void
}

export class CallPool {
  readonly #size: number
  readonly #queueTimeoutMs: number
  readonly #queue = new Set<Waiter>()
  #inUse = 0

  /** `size` 0 is no limit; `queueTimeoutMs` 0 lets a call wait as long as it takes. */
  constructor (size: number, queueTimeoutMs: number) {
    this.#size = size
    this.#queueTimeoutMs = queueTimeoutMs
  }

  /** Calls waiting for a slot. */
  get queued (): number {
    return this.#queue.size
  }

  /**
   * Takes a slot if one is free, without waiting; the caller gives it back with release(). No call jumps the queue: a
   * slot is free only while no call waits, as release() hands a slot to the next in line rather than freeing it.
   */
  tryAcquire (): boolean {
    if (this.#size !== 0 && this.#inUse >= this.#size) return false
    this.#inUse++
    return true
  }

  /**
   * Waits for a slot, when tryAcquire() found none: release() hands one over. Rejects with a DependencyError
   * ('rejected') when the queue timeout passes first, or with the cancellation's reason; either way the call leaves the
   * queue at once.
   */
  async waitForSlot (cancellation?: Cancellation): Promise<void> {
    cancellation?.throwIfCancelled()
    await new Promise<void>((resolve, reject) => {
      const leave = (reason: Error): void => {
        clearTimeout(timer)
        this.#queue.delete(waiter)
        cancellation?.off(leave)
        reject(reason)
      }
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer)
          cancellation?.off(leave)
          resolve()
        },
        reject: leave
      }
      const timer = this.#queueTimeoutMs === 0
        ? undefined
        : setTimeout(() => {
          leave(new DependencyError(
            'rejected', `no connection to the dependency was free within ${this.#queueTimeoutMs} ms`
          ))
        }, this.#queueTimeoutMs)
      cancellation?.onCancel(leave)
      this.#queue.add(waiter)
    })
  }

  /** Gives a slot back: to the call that has waited longest, if any. */
  release (): void {
    // A Set keeps its insertion order: its first entry has waited longest.
    const { value: waiter } = this.#queue.values().next()
    if (waiter === undefined) {
      this.#inUse--
      return
    }
    this.#queue.delete(waiter)
    waiter.resolve()
  }

  /** Rejects every call still waiting with `reason`. */
  rejectAll (reason: Error): void {
    for (const waiter of this.#queue) waiter.reject(reason)
  }
}
