// The simulated dependency: each call waits its latency on a timer, as the seed's `await asyncio.sleep(1)` does, plus
// what real ones do: jitter, failures and a pool of connections, from a seeded random source so that runs repeat.
// One plain timer per call and no AbortSignal: at 10,000 calls in flight, memory per call is what matters.
import { CallPool } from './call-pool.js'
import type { Cancellation } from './cancellation.js'
import { DependencyError, type Dependency, type DependencyAnswer, type DependencyQuery } from './dependency.js'
import { randomSource } from './random.js'

export interface SimulatedDependencyOptions {
  /** Up to this much latency added at random to each call's own. */
  jitterMs?: number
  /** The share of calls that fail, from 0 to 1: they wait their latency, then fail. */
  failureRate?: number
  /** Seed of the random source; without one, Math.random. */
  seed?: number
  /** Calls at once (0: no limit), and how long the others may wait for a connection (0: no limit). */
  poolSize?: number
  queueTimeoutMs?: number
}

/** A simulated call's query may set its own jitter and failure rate, over the dependency's. */
export interface SimulatedQuery extends DependencyQuery {
  jitterMs?: number
  failureRate?: number
}

export class SimulatedDependency implements Dependency {
  readonly #jitterMs: number
  readonly #failureRate: number
  readonly #random: () => number
  readonly #pool: CallPool
  /** How to cancel each call holding a connection. */
  readonly #running = new Set<(reason: Error) => void>()

  constructor ({ jitterMs = 0, failureRate = 0, seed, poolSize = 0, queueTimeoutMs = 0 }: SimulatedDependencyOptions = {}) {
    this.#jitterMs = jitterMs
    this.#failureRate = failureRate
    this.#random = randomSource(seed)
    this.#pool = new CallPool(poolSize, queueTimeoutMs)
  }

  get inFlight (): number {
    return this.#running.size
  }

  get queued (): number {
    return this.#pool.queued
  }

  async call ({ latencyMs, jitterMs = this.#jitterMs, failureRate = this.#failureRate }: SimulatedQuery, cancellation?: Cancellation): Promise<DependencyAnswer> {
    cancellation?.throwIfCancelled()
    if (!this.#pool.tryAcquire()) await this.#pool.waitForSlot(cancellation)
    try {
      // Drawn once a connection is held, in the order calls get one, so that a seed gives the same calls every run.
      const ms = jitterMs === 0 ? latencyMs : latencyMs + this.#random() * jitterMs
      const fails = failureRate !== 0 && this.#random() < failureRate
      await this.#wait(ms, cancellation)
      if (fails) throw new DependencyError('failed', 'the dependency failed')
      return { latencyMs: ms }
    } finally {
      this.#pool.release()
    }
  }

  /** Resolves after `ms`, or rejects with the reason as soon as the call is cancelled, its timer cleared. */
  async #wait (ms: number, cancellation?: Cancellation): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const cancel = (reason: Error): void => {
        clearTimeout(timer)
        this.#running.delete(cancel)
        cancellation?.off(cancel)
        reject(reason)
      }
      const timer = setTimeout(() => {
        this.#running.delete(cancel)
        cancellation?.off(cancel)
        resolve()
      }, ms)
      cancellation?.onCancel(cancel)
      this.#running.add(cancel)
    })
  }

  cancelAll (reason: Error): void {
    this.#pool.rejectAll(reason)
    for (const cancel of this.#running) cancel(reason)
  }

  async close (): Promise<void> {}
}
