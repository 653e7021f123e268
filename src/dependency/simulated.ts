// The simulated dependency: each call waits its latency on a timer, as the seed's `await asyncio.sleep(1)` does, plus
// what real ones do: jitter, failures and a pool of connections, from a seeded random source so that runs repeat.
import { CallPool } from './call-pool.ts'
import type { Cancellation } from '../http/cancellation.ts'
import { DependencyError, type Dependency, type DependencyAnswer, type DependencyQuery } from './port.ts'
import { randomSource } from '../lib/random.ts'

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

  constructor (
    { jitterMs = 0, failureRate = 0, seed, poolSize = 0, queueTimeoutMs = 0 }: SimulatedDependencyOptions = {}
  ) {
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

  call (query: SimulatedQuery, cancellation?: Cancellation): Promise<DependencyAnswer> {
    if (cancellation?.reason !== undefined) return Promise.reject(cancellation.reason)
    if (this.#pool.tryAcquire()) return this.#hold(query, cancellation)
    return this.#pool.waitForSlot(cancellation).then(() => this.#hold(query, cancellation))
  }

  /**
   * Holds the connection the call took for its latency, then gives it back: resolves with the answer, rejects when
   * the call fails, or with the reason as soon as it is cancelled, its timer cleared. A plain promise rather than an
   * async function, which would keep its frame and a promise more for every call in flight.
   */
  #hold (
    { latencyMs, jitterMs = this.#jitterMs, failureRate = this.#failureRate }: SimulatedQuery,
    cancellation?: Cancellation
  ): Promise<DependencyAnswer> {
    // Cancelled as the connection was handed over from the queue.
    if (cancellation?.reason !== undefined) {
      this.#pool.release()
      return Promise.reject(cancellation.reason)
    }
    // Drawn once a connection is held, in the order calls get one, so that a seed gives the same calls every run.
    const ms = jitterMs === 0 ? latencyMs : latencyMs + this.#random() * jitterMs
    const fails = failureRate !== 0 && this.#random() < failureRate
    // One plain timer per call, no AbortSignal and no async function: at 10,000 calls in flight, every object a waiting
    // call keeps is memory per request.
    return new Promise((resolve, reject) => {
      const end = (): void => {
        this.#running.delete(cancel)
        cancellation?.off(cancel)
        this.#pool.release()
      }
      const cancel = (reason: Error): void => {
        clearTimeout(timer)
        end()
        reject(reason)
      }
      const timer = setTimeout(() => {
        end()
        if (fails) reject(new DependencyError('failed', 'the dependency failed'))
        else resolve({ latencyMs: ms })
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
