// /sync while the CPU is busy: /sync's latency at a modest, steady load with no CPU work (the baseline), while a few
// GET /cpu keep the worker pool busy, and while GET /cpu/blocking keeps the event loop itself busy, the three taking
// turns on one fresh service. Its load shedding is off: blocked, the service would refuse /sync with 503 (and
// the blocking counts with it) instead of making it wait, which is what this measures. Needs the CPU routes; without
// them (a 404) the scenario says so and is skipped.
import { setTimeout as sleep } from 'node:timers/promises'
import type { LoadResult } from './load.ts'
import { freePort, startServer, stopServer } from './processes.ts'
import { SYNC_CONNECTIONS, SYNC_PAUSE_MS, measure, middle, settle, type Run } from './scenario.ts'

/** The count's bound: CPU_MAX_N's default, about a second of CPU per request. */
export const BUSY_N = 8_000_000
/**
 * CPU requests kept going at once: for the pool, one more than its thread takes, so that it never idles; on the
 * event loop, one, so that /sync is answered between two counts (with two, one count follows another and /sync
 * waits for ever).
 */
export const KEEPERS = { pool: 2, blocking: 1 }

export type CpuCondition = 'idle' | 'pool' | 'blocking'

export type SyncWhileBusy = LoadResult & {
  /**
   * CPU requests answered during the load, how many more were refused (503), and the answered ones' mean latency in ms.
   */
  cpuTasks: number
  cpuRefused: number
  cpuMeanMs: number
}

export type CpuBusyResult =
  | { skipped: string }
  | {
    n: number
    keepers: typeof KEEPERS
    connections: number
    pauseMs: number
    conditions: Record<CpuCondition, SyncWhileBusy>
    /** /sync's p99 while busy over its p99 with no CPU work. */
    p99Ratio: { pool: number, blocking: number }
  }

/** The path that keeps the CPU busy in each condition. */
const BUSY_PATH: Record<CpuCondition, ((n: number) => string) | undefined> = {
  idle: undefined,
  pool: (n) => `/cpu?n=${n}`,
  blocking: (n) => `/cpu/blocking?n=${n}`
}

/** Keeps `count` requests to `url` going, each sent as soon as the one before is answered, until stopped. */
function keepBusy (url: string, count: number): () => Promise<{ tasks: number, refused: number, meanMs: number }> {
  let stopped = false
  let failure: unknown
  let tasks = 0
  let refused = 0
  let totalMs = 0
  const loops = Array.from({ length: count }, async () => {
    for (;;) {
      // `stopped` is set while this loop awaits: by the function returned below, or by a loop that failed.
      if (stopped) break
      const startedAt = performance.now()
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 503) {
        // The pool's queue is full: asked again when the service says, as a client should.
        refused++
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000)
        continue
      }
      if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`)
      tasks++
      totalMs += performance.now() - startedAt
    }
  }).map(async (loop) => {
    // Kept until stopped, so that a failure ends the scenario there rather than as an unhandled rejection.
    await loop.catch((error: unknown) => {
      failure ??= error
      stopped = true
    })
  })
  // Stopping waits for the requests still running: the next condition starts on a CPU left alone.
  return async () => {
    stopped = true
    await Promise.all(loops)
    if (failure !== undefined) throw failure
    return { tasks, refused, meanMs: tasks === 0 ? 0 : totalMs / tasks }
  }
}

export async function cpuBusy (run: Run): Promise<CpuBusyResult> {
  const n = run.smoke ? 100_000 : BUSY_N
  const connections = run.smoke ? 2 : SYNC_CONNECTIONS
  const target = run.service(await freePort(), { MAX_EVENT_LOOP_DELAY_MS: '0' })
  const running = await startServer(target)
  const base = `http://127.0.0.1:${target.port}`
  try {
    const probe = await fetch(`${base}/cpu?n=2`)
    await probe.arrayBuffer()
    if (probe.status === 404) return { skipped: 'the service has no GET /cpu (the CPU pool\'s routes) to keep busy' }
    if (probe.status !== 200) throw new Error(`GET /cpu?n=2 answered ${probe.status}`)
    await settle(run, 500)
    if (!run.smoke) await measure(target, running, '/sync', connections, 1, { pauseMs: SYNC_PAUSE_MS })

    const rounds: Record<CpuCondition, SyncWhileBusy[]> = { idle: [], pool: [], blocking: [] }
    for (let round = 0; round < run.rounds; round++) {
      for (const condition of ['idle', 'pool', 'blocking'] as const) {
        console.error(`# /sync while the CPU is busy: ${condition}, round ${round + 1} of ${run.rounds}`)
        const path = BUSY_PATH[condition]
        const stop = condition === 'idle' || path === undefined
          ? undefined
          : keepBusy(`${base}${path(n)}`, KEEPERS[condition])
        // The CPU work under way (the first blocking count holds the event loop from the moment it arrives).
        await settle(run, 200)
        const result = await measure(target, running, '/sync', connections, run.durationS, { pauseMs: SYNC_PAUSE_MS })
        const busy = await stop?.() ?? { tasks: 0, refused: 0, meanMs: 0 }
        rounds[condition].push({ ...result, cpuTasks: busy.tasks, cpuRefused: busy.refused, cpuMeanMs: busy.meanMs })
        await settle(run, 500)
      }
    }
    const pick = (condition: CpuCondition): SyncWhileBusy => middle(rounds[condition], (result) => result.p99Ms)
    const conditions = { idle: pick('idle'), pool: pick('pool'), blocking: pick('blocking') }
    return {
      n,
      keepers: KEEPERS,
      connections,
      pauseMs: SYNC_PAUSE_MS,
      conditions,
      p99Ratio: {
        pool: conditions.pool.p99Ms / conditions.idle.p99Ms,
        blocking: conditions.blocking.p99Ms / conditions.idle.p99Ms
      }
    }
  } finally {
    await stopServer(running)
  }
}
