// Fan-out: GET /fanout with its dependency calls all at once (parallel) against one after another (sequential), on
// one fresh service, the two modes taking turns; sequential is the baseline, so the ratios show what parallel gains.
import type { LoadResult } from './load.ts'
import { freePort, startServer, stopServer } from './processes.ts'
import { measure, middle, settle, type Run } from './scenario.ts'

/** Dependency calls per request. */
export const FANOUT_CALLS = 10
/**
 * Each call's latency (ROOT_DELAY_MS of this scenario's service): short, so that a sequential request (ten of them)
 * takes a second and a few seconds of load measure hundreds of them.
 */
export const FANOUT_DELAY_MS = 100
/** A modest concurrency: requests in flight at once, ten calls each. */
const CONNECTIONS = 50

export type FanoutMode = 'parallel' | 'sequential'

export type FanoutStep = LoadResult & {
  /** The latency if the calls took exactly their time, and the req/s that follows at these connections. */
  idealMs: number
  idealPerSecond: number
}

export interface FanoutResult {
  calls: number
  delayMs: number
  connections: number
  parallel: FanoutStep
  sequential: FanoutStep
  /** Sequential's p50 over parallel's: how many times sooner parallel answers. */
  latencyRatio: number
  /** Parallel's req/s over sequential's. */
  throughputRatio: number
}

export async function fanout (run: Run): Promise<FanoutResult> {
  const connections = run.smoke ? 2 : CONNECTIONS
  const target = run.service(await freePort(), { ROOT_DELAY_MS: String(FANOUT_DELAY_MS) })
  const running = await startServer(target)
  await settle(run, 500)
  const steps: Record<FanoutMode, FanoutStep[]> = { parallel: [], sequential: [] }
  try {
    for (let round = 0; round < run.rounds; round++) {
      for (const mode of ['parallel', 'sequential'] as const) {
        const idealMs = mode === 'parallel' ? FANOUT_DELAY_MS : FANOUT_CALLS * FANOUT_DELAY_MS
        // wrk counts only the requests answered before it stops, so a load lasting a few of a request's time would
        // undercount it: sequential gets ten of its requests' time at least (but in a smoke run).
        const durationS = run.smoke ? run.durationS : Math.max(run.durationS, 10 * idealMs / 1000)
        console.error(`# fan-out: ${FANOUT_CALLS} calls ${mode}, ${connections} connections for ${durationS} s, ` +
          `round ${round + 1} of ${run.rounds}`)
        const result = await measure(
          target, running, `/fanout?calls=${FANOUT_CALLS}&mode=${mode}`, connections, durationS
        )
        steps[mode].push({ ...result, idealMs, idealPerSecond: connections * 1000 / idealMs })
        await settle(run, 500)
      }
    }
  } finally {
    await stopServer(running)
  }
  const parallel = middle(steps.parallel, (step) => step.p50Ms)
  const sequential = middle(steps.sequential, (step) => step.p50Ms)
  return {
    calls: FANOUT_CALLS,
    delayMs: FANOUT_DELAY_MS,
    connections,
    parallel,
    sequential,
    latencyRatio: sequential.p50Ms / parallel.p50Ms,
    throughputRatio: parallel.requestsPerSecond / sequential.requestsPerSecond
  }
}
