// The dependency over HTTP, on undici's Pool (the client Node's fetch is built on): each call asks the upstream's
// GET /wait?seconds=N to take the call's latency, as another instance of this service does.
import { Pool, errors } from 'undici'
import { CallPool } from './call-pool.ts'
import type { Cancellation } from '../http/cancellation.ts'
import { DependencyError, type Dependency, type DependencyAnswer, type DependencyQuery } from './port.ts'

export interface HttpDependencyOptions {
  /** The upstream's origin, such as http://127.0.0.1:3001. */
  origin: string
  /** Connections at once (0: no limit), and how long a call may wait for one (0: no limit). */
  poolSize?: number
  queueTimeoutMs?: number
  /**
   * How long past its latency a call waits for the upstream's answer to begin, and for each part of it after, before
   * the upstream counts as too slow (5 s by default; undici's own 300 s would hold a connection that long on a hung
   * upstream).
   */
  slackMs?: number
  /** Headers for each call's request, asked for as it is sent: the trace context of the call, when tracing is on. */
  headers?: () => Record<string, string>
}

export class HttpDependency implements Dependency {
  readonly #connections: Pool
  readonly #pool: CallPool
  readonly #slackMs: number
  readonly #headers: (() => Record<string, string>) | undefined
  /** How to abort each call holding a connection, to cancel them all at once. */
  readonly #running = new Set<AbortController>()

  constructor ({ origin, poolSize = 0, queueTimeoutMs = 0, slackMs = 5000, headers }: HttpDependencyOptions) {
    // No more connections than calls at once: undici frees a connection a moment after its answer is read, and without
    // a limit opens another for a call that follows at once.
    this.#connections = new Pool(origin, { connections: poolSize === 0 ? null : poolSize })
    this.#pool = new CallPool(poolSize, queueTimeoutMs)
    this.#slackMs = slackMs
    this.#headers = headers
  }

  get inFlight (): number {
    return this.#running.size
  }

  get queued (): number {
    return this.#pool.queued
  }

  async call ({ latencyMs }: DependencyQuery, cancellation?: Cancellation): Promise<DependencyAnswer> {
    if (!this.#pool.tryAcquire()) await this.#pool.waitForSlot(cancellation)
    // undici stops a request through a signal: one per call, aborted by the call's cancellation or by cancelAll.
    const controller = new AbortController()
    const abort = (reason: Error): void => { controller.abort(reason) }
    this.#running.add(controller)
    try {
      // Throws the reason if the call was cancelled before it held its slot: already, or as the slot was handed over.
      cancellation?.onCancel(abort)
      return await this.#ask(latencyMs, controller.signal)
    } finally {
      cancellation?.off(abort)
      this.#running.delete(controller)
      this.#pool.release()
    }
  }

  /**
   * Asks the upstream to take `latencyMs`; rejects with a DependencyError, or with the reason `signal` aborted with.
   */
  async #ask (latencyMs: number, signal: AbortSignal): Promise<DependencyAnswer> {
    const startedAt = performance.now()
    try {
      const { statusCode, body } = await this.#connections.request({
        method: 'GET',
        // A plain decimal, as /wait accepts: String() would write 1e-7 for a tiny latency.
        path: `/wait?seconds=${(latencyMs / 1000).toFixed(3)}`,
        headers: this.#headers?.(),
        signal,
        headersTimeout: latencyMs + this.#slackMs,
        bodyTimeout: this.#slackMs
      })
      // Anything but a 2xx (undici gives a 1xx to onInfo, never here): a redirect is not the work done either.
      if (statusCode >= 300) {
        // Drained, not read, so that the connection serves the next call; what it says does not change the outcome.
        await body.dump()
        throw new DependencyError('failed', `the upstream answered ${statusCode}`)
      }
      // Read to its end, not dumped: dump() ignores a body cut short, which would pass a failed call for a success.
      await body.text()
      return { latencyMs: performance.now() - startedAt }
    } catch (error) {
      throw signal.aborted ? signal.reason : failure(error)
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
  return new DependencyError(
    'failed', `the request to the upstream failed: ${(error as Error).message}`, { cause: error }
  )
}
