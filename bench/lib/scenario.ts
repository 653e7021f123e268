// What every scenario of npm run bench shares: the run's settings, medians of rounds, wrk against a running server.
import { setTimeout as sleep } from 'node:timers/promises'
import { load, SATURATED_CPU, type LoadOptions, type LoadResult } from './load.js'
import type { Running } from './processes.js'
import type { Target } from './targets.js'

/** The run's settings, as bench/run.ts reads them from its flags. */
export interface Run {
  /** The test's tiny run: no pauses to settle, a handful of connections, a second or two per load. */
  smoke: boolean
  /** Rounds whose median is kept, where targets or conditions take turns. */
  rounds: number
  /** Seconds of load per measurement of a scenario with short answers. */
  durationS: number
  /** The service as the benchmarks run it, on `port`, with `env` over its usual settings. */
  service: (port: number, env?: Record<string, string>) => Target
}

/**
 * A pause for a server to settle (after its start, or after a load: the requests wrk left in flight, their sockets)
 * before it is measured. A smoke run skips it: at a handful of connections it only loses time.
 */
export async function settle (run: Run, ms: number): Promise<void> {
  if (!run.smoke) await sleep(ms)
}

/** The middle item of `items` ordered by `by` (the upper one of the two middles for an even count). */
export const middle = <T>(items: T[], by: (item: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)] as T
export const median = (values: number[]): number => middle(values, (value) => value)

/** Loads `path` on a running target that must outlive the load; warns when wrk had no core left to give (the figure is then wrk's limit). */
export async function measure (target: Target, running: Running, path: string, connections: number, durationS: number, options?: LoadOptions): Promise<LoadResult> {
  const result = await load(`http://127.0.0.1:${target.port}${path}`, connections, durationS, running.child.pid as number, options)
  // A server gone mid-load leaves wrk counting refused connects, and its CPU past reading: no figure to keep.
  const { exitCode, signalCode } = running.child
  if (exitCode !== null || signalCode !== null) throw new Error(`${target.name} ended under load (${exitCode ?? signalCode}): ${running.stderr()}`)
  if (result.loadGeneratorCpu >= SATURATED_CPU) {
    console.error(`# warning: wrk used ${result.loadGeneratorCpu.toFixed(2)} of its core on ${target.name} ${path} at ${connections} connections: ` +
      'its req/s is a floor set by the load generator, not the server\'s ceiling')
  }
  return result
}
