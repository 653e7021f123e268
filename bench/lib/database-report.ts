// Turns the database scenario's results into Markdown (the pool's bound with PostgreSQL and with the simulator, the
// clients that leave) and its targets' verdicts.
import type { DatabaseResult, LeavingRound, PoolRound } from './database.ts'
import { median } from './scenario.ts'
import { eachRound, ms, number, verdictTable, type Verdict } from './report.ts'

type Measured = Exclude<DatabaseResult, { skipped: string }>

/** How close to the pool's bound (its size over the query's second) the answers a second must come. */
const BOUND_SHARE = 0.8
/** How soon after the clients left PostgreSQL must run none of their queries. */
const STOPPED_WITHIN_MS = 200

const medianOf = (rounds: PoolRound[], figure: (round: PoolRound) => number): number => median(rounds.map(figure))

export function databaseVerdicts (result: Measured): Verdict[] {
  const { postgres, poolSize, leaving } = result
  const okPerSecond = medianOf(postgres, (round) => round.okPerSecond)
  const backends = Math.max(0, ...postgres.map((round) => round.backends ?? 0))
  const stopped = leaving.rounds.map((round) => round.stoppedMs)
  return [
    {
      goal: `${number(result.connections)} connections on / with one-second queries: the pool's ${poolSize} ` +
        'connections bound the answers, about one a second each',
      measured: `${number(okPerSecond, 1)} a second`,
      met: okPerSecond >= BOUND_SHARE * poolSize && okPerSecond <= poolSize * 1.05
    },
    {
      goal: `and PostgreSQL counts no more than the pool's ${poolSize} connections from the service`,
      measured: `${number(backends)} at the busiest`,
      met: backends > 0 && backends <= poolSize
    },
    {
      goal: `${number(leaving.clients)} clients that leave ${leaving.leaveAfterMs} ms into ${leaving.path}: ` +
        `no query still running on the server ${leaving.countedAfterMs} ms later`,
      measured: `${eachRound(leaving.rounds, (round) => round.runningAfter)} of ` +
        `${eachRound(leaving.rounds, (round) => round.runningAtLeave)}`,
      met: leaving.rounds.every((round) => round.runningAtLeave > 0 && round.runningAfter === 0)
    },
    {
      goal: `their queries no longer running in PostgreSQL (pg_stat_activity) within ${STOPPED_WITHIN_MS} ms`,
      measured: `${stopped.map((value) => value === null ? 'not within 10 s' : `${ms(value)} ms`).join(', ')}`,
      met: stopped.every((value) => value !== null && value <= STOPPED_WITHIN_MS)
    }
  ]
}

export function databaseTable (result: Measured, verdictList: Verdict[]): string {
  const row = (name: string, rounds: PoolRound[]): string =>
    `| ${name} | ${eachRound(rounds, (round) => round.okPerSecond, 1)} | ` +
    `${eachRound(rounds, (round) => round.p50Ms)} | ` +
    `${eachRound(rounds, (round) => round.p99Ms)} | ${eachRound(rounds, (round) => round.refused)} | ` +
    `${rounds.every((round) => round.backends === null) ? '–' : eachRound(rounds, (round) => round.backends ?? 0)} |`
  const leavingRow = (round: LeavingRound, index: number): string =>
    `| ${index + 1} | ${number(round.runningAtLeave)} | ${number(round.runningAfter)} | ` +
    `${round.stoppedMs === null ? 'not within 10 s' : ms(round.stoppedMs)} |`
  return [
    'The dependency as PostgreSQL (DATABASE_URL, a throw-away server as the tests start), each call a query; ' +
      `${number(result.connections)} connections on GET / for ${result.durationS} s, each call a one-second ` +
      `query, DEPENDENCY_POOL_SIZE ${result.poolSize} and DEPENDENCY_QUEUE_TIMEOUT_MS 1000 ms, PostgreSQL and the ` +
      'simulator (the same pool) taking turns, each round on a fresh process; figures round by round.',
    '',
    '| dependency | 200s a second | p50 ms | p99 ms | errors (503: no connection in time) | ' +
      'PostgreSQL\'s backends, busiest |',
    '|---|---:|---:|---:|---:|---:|',
    row('PostgreSQL', result.postgres),
    row('simulator', result.simulator),
    '',
    `Clients that leave: ${number(result.leaving.clients)} connections ask ${result.leaving.path} and close ` +
      `${result.leaving.leaveAfterMs} ms after the pool's queries are running (bench/clients/hold-and-leave.ts); ` +
      'the service\'s queries PostgreSQL runs, from pg_stat_activity.',
    '',
    `| round | running when they left | running ${result.leaving.countedAfterMs} ms later | none running after, ms |`,
    '|---|---:|---:|---:|',
    ...result.leaving.rounds.map(leavingRow),
    '',
    verdictTable(verdictList)
  ].join('\n')
}
