// What the routes need of a slow dependency (a database, an API), whichever client stands behind it: the simulator, the
// HTTP client, or a client of your own.
import type { Cancellation } from '../http/cancellation.ts'

/** What a call asks of the dependency: here, work that takes `latencyMs`, as the seed's `asyncio.sleep` does. */
export interface DependencyQuery {
  latencyMs: number
}

/** What the dependency answered, and how long the call took from the moment it held a connection. */
export interface DependencyAnswer {
  latencyMs: number
}

/** How a call failed: the dependency failed or is unreachable, it was too slow, or no connection was free in time. */
export type DependencyFailure = 'failed' | 'timed_out' | 'rejected'

/** Errors say what went wrong in the dependency's terms; plugins/app/dependency.ts turns them into HTTP answers. */
export class DependencyError extends Error {
  readonly failure: DependencyFailure

  constructor (failure: DependencyFailure, message: string, options?: ErrorOptions) {
    super(message, options)
    this.failure = failure
    this.name = 'DependencyError'
  }
}

/** How a call's span is named and what it says, for a dependency tracing's conventions describe (a database). */
export interface DependencySpan {
  name: string
  attributes: Record<string, string | number>
}

export interface Dependency {
  /**
   * Makes one call. Rejects with a DependencyError, or with the cancellation's reason as soon as it is cancelled,
   * freeing its connection (or its place in the queue for one) and its timers at once.
   */
  call: (query: DependencyQuery, cancellation?: Cancellation) => Promise<DependencyAnswer>
  /** Calls holding a connection. */
  readonly inFlight: number
  /** Calls waiting for a connection. */
  readonly queued: number
  /** Connections open and waiting for a call, for a client that keeps them (PostgreSQL's). */
  readonly idle?: number
  /** Whether the last call could reach the dependency, none lost since, for a client that can tell (PostgreSQL's). */
  readonly reachable?: boolean
  /** Its calls' span, where tracing's conventions have more to say than a dependency call. */
  readonly span?: DependencySpan
  /** Cancels every call in flight or waiting, with `reason`. */
  cancelAll: (reason: Error) => void
  /** Releases the connections; called once no call is left. */
  close: () => Promise<void>
}
