// The dependency over HTTP, on undici's Pool (the client Node's fetch is built on): each call asks the upstream's
// GET /wait?seconds=N to take the call's latency, as another instance of this service does. A database client would
// stand here the same way: a pool of connections, a query per call, the cancellation passed on.
import { Pool, errors } from 'undici'
import { CallPool } from './call-pool.js'
import type { Cancellation } from './cancellation.js'
import { DependencyError, type Dependency, type DependencyAnswer, type DependencyQuery } from './dependency.js'

export interface HttpDependencyOptions {
  /** The upstream's origin, such as http://127.0.0.1:3001. */
  origin: string
  /** Connections at once (0: no limit), and how long a call may wait for one (0: no limit). */
  poolSize?: number
  queueTimeoutMs?: number
}

export class HttpDependency implements Dependency {
  readonly #connections: Pool
  readonly #pool: CallPool
  /** The signal of each call holding a connection, to cancel them all at once. */
  readonly #running = new Set<AbortController>()

  constructor ({ origin, poolSize = 0, queueTimeoutMs = 0 }: HttpDependencyOptions) {
    this.#connections = new Pool(origin, { connections: poolSize === 0 ? null : poolSize })
    this.#pool = new CallPool(poolSize, queueTimeoutMs)
  }

  get inFlight (): number {
    return this.#pool.inUse
  }

  get queued (): number {
    return this.#pool.queued
  }

  async call ({ latencyMs }: DependencyQuery, cancellation?: Cancellation): Promise<DependencyAnswer> {
    cancellation?.throwIfCancelled()
    if (!this.#pool.tryAcquire()) await this.#pool.waitForSlot(cancellation)
    // undici stops a request through a signal: one per call, aborted by the call's cancellation or by cancelAll.
    const controller = new AbortController()
    const abort = (reason: Error): void => { controller.abort(reason) }
    const startedAt = performance.now()
    try {
      cancellation?.onCancel(abort)
      this.#running.add(controller)
      const { statusCode, body } = await this.#connections.request({
        method: 'GET',
        path: `/wait?seconds=${latencyMs / 1000}`,
        signal: controller.signal
      })
      await body.dump()
      if (statusCode >= 400) throw new DependencyError('failed', `the upstream answered ${statusCode}`)
      return { latencyMs: performance.now() - startedAt }
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason
      throw failure(error)
    } finally {
      cancellation?.off(abort)
      this.#running.delete(controller)
      this.#pool.release()
    }
  }

  cancelAll (reason: Error): void {
    this.#pool.rejectAll(reason)
    for (const controller of this.#running) controller.abort(reason)
  }

  async close (): Promise<void> {
    await this.#connections.destroy()
  }
}

/** The DependencyError for what undici threw: too slow, or failed (refused, reset, unreachable). */
function failure (error: unknown): unknown {
  if (error instanceof DependencyError) return error
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new DependencyError('timed_out', 'the upstream did not answer in time', { cause: error })
  }
  return new DependencyError('failed', `the upstream cannot be reached: ${(error as Error).message}`, { cause: error })
}
