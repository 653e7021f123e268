// The database: the dependency as PostgreSQL (DATABASE_URL), on a throw-away PostgreSQL started as the tests start
// theirs. The pool's bound: 1,000 connections on / (each call a one-second query) with a pool of 20, PostgreSQL and the
// simulator (the same pool) taking turns: answers a second, their latency, the 503s of calls that found no connection
// in time, and PostgreSQL's own count of the service's backends. Clients that leave: 1,000 ask /wait?seconds=10 and
// leave 100 ms after the pool's queries are running; the service's queries PostgreSQL still runs 500 ms after, and how
// long until it ran none.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { postgresServer, type PostgresServer } from '../../test/helpers/postgres-server.ts'
import { freePort, startServer, stopServer } from './processes.ts'
import { measure, settle, startClient, takeTurns, type Run } from './scenario.ts'

const LEAVING_CLIENT = join(import.meta.dirname, '..', 'clients', 'hold-and-leave.ts')
export const CONNECTIONS = 1000
export const POOL_SIZE = 20
/** The clients that leave: how many, what they ask, and when they leave once the pool's queries are running. */
export const LEAVING = 1000
export const LEAVING_PATH = '/wait?seconds=10'
export const LEAVE_AFTER_MS = 100
/** When the queries still running are counted after the clients left. */
export const COUNTED_AFTER_MS = 500

/** One load on / at CONNECTIONS, through PostgreSQL or the simulator. */
export interface PoolRound {
  requests: number
  /** Answers that were 200, a second. */
  okPerSecond: number
  /** Answers other than 200 (503: no connection free within DEPENDENCY_QUEUE_TIMEOUT_MS). */
  refused: number
  p50Ms: number
  p99Ms: number
  /** The service's connections PostgreSQL counted at the busiest (pg_stat_activity); null for the simulator. */
  backends: number | null
}

/** One round of clients that leave. */
export interface LeavingRound {
  /** Queries PostgreSQL ran for the service when the clients left. */
  runningAtLeave: number
  /** Those still running COUNTED_AFTER_MS after. */
  runningAfter: number
  /** From the clients leaving until PostgreSQL ran none of the service's queries, in ms; null if not within 10 s. */
  stoppedMs: number | null
}

export type DatabaseResult = {
  connections: number
  poolSize: number
  durationS: number
  postgres: PoolRound[]
  simulator: PoolRound[]
  leaving: { clients: number, path: string, leaveAfterMs: number, countedAfterMs: number, rounds: LeavingRound[] }
} | { skipped: string }

/** The service's connections, or its queries running, as PostgreSQL counts them now. */
async function count (monitor: pg.Client, running: boolean): Promise<number> {
  const { rows } = await monitor.query<{ count: string }>(
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'async-service'" +
    (running ? " AND state = 'active' AND query LIKE '%pg_sleep%'" : ''))
  return Number(rows[0]?.count)
}

export async function database (run: Run): Promise<DatabaseResult> {
  const teardowns: Array<() => unknown> = []
  let postgres: PostgresServer
  try {
    postgres = await postgresServer({ teardown: (step) => { teardowns.push(step) } })
  } catch (error) {
    return { skipped: (error as Error).message }
  }
  const monitor = new pg.Client({ connectionString: postgres.url, application_name: 'bench' })
  // A lost connection fails the next count, which ends the scenario; without a listener it would end the harness.
  monitor.on('error', () => {})
  try {
    await monitor.connect()
    const scale = run.smoke
      ? { connections: 20, durationS: 2, leaving: 30 }
      : { connections: CONNECTIONS, durationS: 2 * run.durationS, leaving: LEAVING }
    const env = { ROOT_DELAY_MS: '1000', DEPENDENCY_POOL_SIZE: String(POOL_SIZE) }

    /** / at `connections` on a fresh process, with PostgreSQL behind it or the simulator. */
    const poolRound = async (withDatabase: boolean): Promise<PoolRound> => {
      const target = run.service(await freePort(), { ...env, ...(withDatabase ? { DATABASE_URL: postgres.url } : {}) })
      console.error(`# database: / at ${scale.connections} connections, pool of ${POOL_SIZE}, ` +
        (withDatabase ? 'PostgreSQL' : 'the simulator'))
      const running = await startServer(target)
      let backends = 0
      const watch = { on: withDatabase }
      const watched = (async () => {
        for (; watch.on; await sleep(250)) backends = Math.max(backends, await count(monitor, false))
      })()
      try {
        await settle(run, 500)
        const result = await measure(target, running, '/', scale.connections, scale.durationS)
        return {
          requests: result.requests,
          okPerSecond: (result.requests - result.errors) / result.durationS,
          refused: result.errors,
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms,
          backends: withDatabase ? backends : null
        }
      } finally {
        watch.on = false
        await watched
        await stopServer(running)
      }
    }
    const pool = await takeTurns(run, {
      postgres: async () => await poolRound(true),
      simulator: async () => await poolRound(false)
    })

    /** Clients that ask for ten seconds and leave 100 ms later, on a fresh process. */
    const leavingRound = async (): Promise<LeavingRound> => {
      const target = run.service(await freePort(), { ...env, DATABASE_URL: postgres.url })
      const running = await startServer(target)
      const client = startClient(LEAVING_CLIENT, [target.port, LEAVING_PATH, scale.leaving])
      try {
        console.error(`# database: ${scale.leaving} clients ask ${LEAVING_PATH} and leave ${LEAVE_AFTER_MS} ms later`)
        await client.next()
        // The pool's queries all running (its connections made), so that there is something to stop.
        for (const until = performance.now() + 10_000; performance.now() < until; await sleep(10)) {
          if (await count(monitor, true) >= Math.min(POOL_SIZE, scale.leaving)) break
        }
        await sleep(LEAVE_AFTER_MS)
        const runningAtLeave = await count(monitor, true)
        client.cue()
        const leftAt = performance.now()
        await client.next()
        let stoppedMs: number | null = null
        while (stoppedMs === null && performance.now() - leftAt < 10_000) {
          if (await count(monitor, true) === 0) stoppedMs = performance.now() - leftAt
          else await sleep(10)
        }
        await sleep(Math.max(0, leftAt + COUNTED_AFTER_MS - performance.now()))
        const runningAfter = await count(monitor, true)
        return { runningAtLeave, runningAfter, stoppedMs }
      } finally {
        await client.stop()
        await stopServer(running)
      }
    }
    const leaving = await takeTurns(run, { leaving: leavingRound })
    return {
      connections: scale.connections,
      poolSize: POOL_SIZE,
      durationS: scale.durationS,
      ...pool,
      leaving: {
        clients: scale.leaving,
        path: LEAVING_PATH,
        leaveAfterMs: LEAVE_AFTER_MS,
        countedAfterMs: COUNTED_AFTER_MS,
        rounds: leaving.leaving
      }
    }
  } finally {
    await monitor.end()
    for (const step of teardowns.reverse()) await step()
  }
}
