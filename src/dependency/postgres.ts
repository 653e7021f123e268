// The dependency as PostgreSQL, on node-postgres' Pool: each call is the query SELECT pg_sleep(seconds) on one of the
// pool's connections, under a statement_timeout from its deadline. A call given up (its deadline passed, its client
// left, the service stopping) is answered at once, and its query cancelled in PostgreSQL with a cancel request; its
// connection is then closed rather than handed to another call, which a cancel arriving late could otherwise hit.
import pg from 'pg'
import type { Cancellation } from '../http/cancellation.ts'
import { sendCancelRequest, type Backend } from './cancel-request.ts'
import { CallPool } from './call-pool.ts'
import {
  DependencyError, type Dependency, type DependencyAnswer, type DependencyQuery, type DependencySpan
} from './port.ts'

/** How long connecting may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000
/** How long a cancel request may take to send, and a cancelled query to end, before its connection is closed. */
const CANCEL_GRACE_MS = 1000
/**
 * How far past a call's deadline its statement_timeout lies: the service's own cancel comes first, however late the
 * deadline's timer and the event loop run.
 */
const DEADLINE_MARGIN_MS = 1000
/** PostgreSQL's code for a statement cancelled, by a cancel request or by statement_timeout. */
const QUERY_CANCELED = '57014'

export interface PostgresDependencyOptions {
  /** The database's postgres:// URL. */
  url: string
  /** Connections at most (at least 1), and how long a call may wait for one (0: no limit). */
  poolSize: number
  queueTimeoutMs: number
  /** A call without a deadline gets a statement_timeout this much past its latency (5 s by default). */
  slackMs?: number
  /** Told when a connection is lost (PostgreSQL restarted, say): the pool has dropped it already. */
  onConnectionLost?: (error: Error) => void
}

export class PostgresDependency implements Dependency {
  readonly #connections: pg.Pool
  readonly #pool: CallPool
  readonly #slackMs: number
  /** How to give up each call holding a slot, to cancel them all at once. */
  readonly #running = new Set<(reason: Error) => void>()
  #reachable = true
  readonly span: DependencySpan

  constructor ({ url, poolSize, queueTimeoutMs, slackMs = 5000, onConnectionLost }: PostgresDependencyOptions) {
    this.#connections = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'async-service'
    })
    // Every connection is watched from its start: a connection lost during a query tells its client too, and, without
    // a listener, that would be an uncaught error (the pool listens to its idle connections only).
    this.#connections.on('connect', (connection) => {
      connection.on('error', (error) => {
        this.#reachable = false
        onConnectionLost?.(error)
      })
    })
    // The pool tells of an idle connection lost as well: told above already.
    this.#connections.on('error', () => {})
    this.#pool = new CallPool(poolSize, queueTimeoutMs)
    this.#slackMs = slackMs
    const { hostname, port, pathname } = new URL(url)
    const database = decodeURIComponent(pathname.slice(1))
    this.span = {
      name: database === '' ? 'SELECT' : `SELECT ${database}`,
      attributes: {
        'db.system': 'postgresql',
        'db.operation': 'SELECT',
        ...(database === '' ? {} : { 'db.namespace': database }),
        ...(hostname === '' ? {} : { 'server.address': hostname }),
        'server.port': port === '' ? 5432 : Number(port)
      }
    }
  }

  get inFlight (): number {
    return this.#running.size
  }

  get queued (): number {
    return this.#pool.queued
  }

  /** Connections open and waiting for a call. */
  get idle (): number {
    return this.#connections.idleCount
  }

  /** Whether the last call got a connection (made or kept), and none was lost since. */
  get reachable (): boolean {
    return this.#reachable
  }

  async call ({ latencyMs }: DependencyQuery, cancellation?: Cancellation): Promise<DependencyAnswer> {
    if (!this.#pool.tryAcquire()) await this.#pool.waitForSlot(cancellation)
    const answer = Promise.withResolvers<DependencyAnswer>()
    const timeoutMs = this.#statementTimeoutMs(latencyMs, cancellation?.deadline)
    let client: pg.PoolClient | undefined
    /** Why the call was given up before its query ended. */
    let givenUp: Error | undefined
    /** Gives the query up if PostgreSQL does not answer it, statement_timeout and all (the server or network hung). */
    let unanswered: NodeJS.Timeout | undefined
    /** Closes the connection of a cancelled query that does not end (the server unreachable). */
    let closing: NodeJS.Timeout | undefined
    let finished = false
    /** Gives the connection back (closed if `close`), then the slot; once. */
    const finish = (close: boolean): void => {
      if (finished) return
      finished = true
      clearTimeout(closing)
      clearTimeout(unanswered)
      cancellation?.off(giveUp)
      this.#running.delete(giveUp)
      client?.release(close)
      this.#pool.release()
    }
    const giveUp = (reason: Error): void => {
      if (givenUp !== undefined) return
      givenUp = reason
      answer.reject(reason)
      // Still connecting: the connection, clean, goes back to the pool once it comes.
      if (client === undefined) return
      sendCancelRequest(client as unknown as Backend, CANCEL_GRACE_MS).catch(() => {})
      closing = setTimeout(() => { finish(true) }, CANCEL_GRACE_MS)
    }
    this.#running.add(giveUp)
    try {
      // Throws the reason if the call was cancelled before it held its slot: already, or as the slot was handed over.
      cancellation?.onCancel(giveUp)
    } catch (reason) {
      finish(false)
      throw reason
    }
    this.#connections.connect().then((connected) => {
      client = connected
      this.#reachable = true
      if (givenUp !== undefined) return finish(false)
      const startedAt = performance.now()
      unanswered = setTimeout(() => {
        giveUp(new DependencyError('timed_out', `PostgreSQL did not answer within ${timeoutMs} ms`))
      }, timeoutMs + CANCEL_GRACE_MS)
      connected.query(`SET statement_timeout = ${timeoutMs}; SELECT pg_sleep(${(latencyMs / 1000).toFixed(3)})`)
        .then(() => {
          // A query given up had a cancel request sent: its connection is closed, so that the cancel cannot land on
          // the next query it would run.
          finish(givenUp !== undefined)
          answer.resolve({ latencyMs: performance.now() - startedAt })
        }, (error: Error) => {
          // An error PostgreSQL reported for the query leaves the connection ready for the next one; any other (a
          // FATAL one as the server stops, the connection lost) leaves it dying, not to be handed to a waiting call,
          // and says the server may be down.
          const usable = error instanceof pg.DatabaseError && error.severity === 'ERROR'
          if (!usable) this.#reachable = false
          finish(givenUp !== undefined || !usable)
          answer.reject(queryFailure(error, timeoutMs))
        })
    }, (error: Error) => {
      this.#reachable = false
      finish(false)
      answer.reject(new DependencyError('failed', `PostgreSQL cannot be reached: ${error.message}`, { cause: error }))
    })
    return await answer.promise
  }

  /** The statement_timeout of a call: past its deadline, or its latency and some slack for a call without one. */
  #statementTimeoutMs (latencyMs: number, deadline: number | undefined): number {
    const ms = deadline === undefined
      ? latencyMs + this.#slackMs
      : deadline - performance.now() + DEADLINE_MARGIN_MS
    return Math.max(1, Math.ceil(ms))
  }

  cancelAll (reason: Error): void {
    this.#pool.rejectAll(reason)
    for (const giveUp of this.#running) giveUp(reason)
  }

  async close (): Promise<void> {
    await this.#connections.end()
  }
}

/** The DependencyError for a query that failed: past its statement_timeout, or failed (the connection lost, say). */
function queryFailure (error: Error, timeoutMs: number): DependencyError {
  // The same code for a query cancelled by someone else (pg_cancel_backend): that one failed.
  const timedOut = error instanceof pg.DatabaseError && error.code === QUERY_CANCELED &&
    error.message.includes('statement timeout')
  if (timedOut) {
    return new DependencyError(
      'timed_out', `the query ran past its statement_timeout of ${timeoutMs} ms`, { cause: error }
    )
  }
  return new DependencyError('failed', `the query failed: ${error.message}`, { cause: error })
}
