// The benchmark's goals for the service against bare Fastify: a figure on its goal meets it, one past it is flagged,
// and the report's first line names every target missed.
import t from 'tap'
import type { LoadResult } from '../../bench/lib/load.ts'
import { belowGoal, verdicts, type BenchResults, type TargetResult } from '../../bench/lib/report.ts'

interface Figures { startupMs: number, syncPerSecond: number, p99Ms: number, rssPerRequestKb: number }

function target (name: string, figures: Figures): TargetResult {
  const load = { requestsPerSecond: 1000, errors: 0 } as LoadResult
  return {
    name,
    own: true,
    startupMs: figures.startupMs,
    idleRssKb: 50_000,
    ladder: [{
      ...load,
      connections: 10_000,
      p99Ms: figures.p99Ms,
      idealPerSecond: 10_000,
      rssPerRequestKb: figures.rssPerRequestKb
    }],
    sync: { ...load, requestsPerSecond: figures.syncPerSecond }
  }
}

const BASELINE: Figures = { startupMs: 100, syncPerSecond: 100_000, p99Ms: 1000, rssPerRequestKb: 28 }

function judged (service: Figures): Record<string, boolean> {
  const results = { targets: [target('service', service), target('baseline', BASELINE)] } as BenchResults
  return Object.fromEntries(verdicts(results).map(({ goal, met }) => [goal, met]))
}

t.test('each goal is met on its bound and missed past it', async (t) => {
  const onTheBounds = { startupMs: 150, syncPerSecond: 70_000, p99Ms: 1100, rssPerRequestKb: 30 }
  t.same(judged(onTheBounds), {
    "/ at 10,000 connections: ≥ 97 % of the baseline's req/s": true,
    "/ at 10,000 connections: p99 ≤ 1.10× the baseline's": true,
    '/ at 10,000 connections: zero errors': true,
    '/ at 10,000 connections: ≤ 30 KB resident memory per request in flight': true,
    "/sync at 100 connections: ≥ 70 % of the baseline's req/s": true,
    "start to first answer ≤ 1.5× the baseline's": true
  })
  t.same(Object.values(judged({ startupMs: 151, syncPerSecond: 69_999, p99Ms: 1101, rssPerRequestKb: 30.1 })),
    [true, false, true, false, false, false])
})

t.test("the report's first line names the targets missed, or says that all were met", async (t) => {
  t.equal(belowGoal([{ goal: 'a', measured: '1', met: true }]), undefined)
  t.equal(belowGoal([
    { goal: 'start-up ≤ 1.5×', measured: '1.8×', met: false },
    { goal: 'zero errors', measured: '0', met: true },
    { goal: '/sync ≥ 70 %', measured: '64 %', met: false }
  ]), '**Below goal: 2 of 3 targets.** start-up ≤ 1.5×: 1.8×; /sync ≥ 70 %: 64 %.')
})
