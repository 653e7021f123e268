// What every scenario of npm run bench shares: the run's settings, medians of rounds and targets taking turns, wrk
// against a running server, the client processes of bench/clients/, a server's memory (per connection too), and how
// fast a message reached all its receivers.
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { load, SATURATED_CPU, type LoadOptions, type LoadResult } from './load.ts'
import { HEAP_USED, scrape, value } from './metrics.ts'
import { PINNING, spawnWithLimit, treeRssKb, type Running } from './processes.ts'
import type { Target } from './targets.ts'

/**
 * /sync's load where its latency is measured with something else going on: a few connections, each pausing between
 * its requests, far below what the service can answer.
 */
export const SYNC_CONNECTIONS = 10
export const SYNC_PAUSE_MS = 10

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
export const middle = <T>(items: T[], by: (item: T) => number): T =>
  [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)] as T
export const median = (values: number[]): number => middle(values, (value) => value)

/**
 * Loads `path` on a running target that must outlive the load (where several processes serve together, each of them);
 * warns when wrk had no core left to give (the figure is then wrk's limit).
 */
export async function measure (
  target: Pick<Target, 'name' | 'port'>,
  running: Running | Running[],
  path: string,
  connections: number,
  durationS: number,
  options?: LoadOptions
): Promise<LoadResult> {
  const serving = [running].flat()
  const result = await load(`http://127.0.0.1:${target.port}${path}`, connections, durationS, serving.map(({ child }) => child.pid as number), options)
  // A server gone mid-load leaves wrk counting refused connects, and its CPU past reading: no figure to keep.
  for (const { child: { exitCode, signalCode }, stderr } of serving) {
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${target.name} ended under load (${exitCode ?? signalCode}): ${stderr()}`)
    }
  }
  if (result.loadGeneratorCpu >= SATURATED_CPU) {
    console.error(`# warning: wrk used ${result.loadGeneratorCpu.toFixed(2)} of its core on ${target.name} ${path} ` +
      `at ${connections} connections: ` +
      'its req/s is a floor set by the load generator, not the server\'s ceiling')
  }
  return result
}

/**
 * The value that `share` (0 to 1) of `values` are at or under, by nearest rank; 0 for no values. Of 20 values, the
 * p99 is the highest.
 */
export function percentile (values: number[], share: number): number {
  const sorted = Float64Array.from(values).sort()
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] as number
}

/** How fast each of several messages (live updates, chat messages) reached every receiver. */
export interface Delivery {
  /** Each receiver's latency for each message, over every (receiver, message) pair that arrived, in ms. */
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** For each message, the time until its last receiver had it: the p50 and p99 over the messages, in ms. */
  lastP50Ms: number
  lastP99Ms: number
  /** (receiver, message) pairs that never arrived. */
  missed: number
}

/**
 * Delivery of the messages whose receivers' latencies are `latencies` (one array per message), each meant for
 * `receivers`.
 */
export function delivery (latencies: number[][], receivers: number): Delivery {
  const all = latencies.flat()
  const last = latencies.map((each) => Math.max(0, ...each))
  return {
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    maxMs: Math.max(0, ...last),
    lastP50Ms: percentile(last, 0.5),
    lastP99Ms: percentile(last, 0.99),
    missed: latencies.reduce((missed, each) => missed + receivers - each.length, 0)
  }
}

/**
 * Delivery over rounds, each on a fresh process: each percentile the median of the rounds', the highest and the pairs
 * missed over all of them.
 */
export function acrossRounds (rounds: Delivery[]): Delivery {
  const each = (figure: (round: Delivery) => number): number => median(rounds.map(figure))
  return {
    p50Ms: each((round) => round.p50Ms),
    p99Ms: each((round) => round.p99Ms),
    maxMs: Math.max(0, ...rounds.map((round) => round.maxMs)),
    lastP50Ms: each((round) => round.lastP50Ms),
    lastP99Ms: each((round) => round.lastP99Ms),
    missed: rounds.reduce((missed, round) => missed + round.missed, 0)
  }
}

/**
 * Each of `turns` (one per target, each measuring a fresh process of its own) for `run.rounds` rounds, the targets
 * taking turns in the order given, so that a slow moment of the machine does not fall on one alone; each target's
 * results, round by round.
 */
export async function takeTurns<Name extends string, Result> (
  run: Run,
  turns: Record<Name, (round: number) => Promise<Result>>
): Promise<Record<Name, Result[]>> {
  const entries = Object.entries(turns) as Array<[Name, (round: number) => Promise<Result>]>
  const results = Object.fromEntries(entries.map(([name]) => [name, []])) as unknown as Record<Name, Result[]>
  for (let round = 0; round < run.rounds; round++) {
    for (const [name, turn] of entries) results[name].push(await turn(round))
  }
  return results
}

/** The service's figure over the baseline's; null where the baseline's is 0 (JSON has no Infinity). */
export const ratio = (service: number, baseline: number): number | null => baseline === 0 ? null : service / baseline

/**
 * A server's memory at a moment, in KB: resident (the process's, from /proc), and V8's heap in use where /metrics says
 * (the service's).
 */
export interface Memory {
  rssKb: number
  heapUsedKb?: number
}

/** The memory of `target` now; its heap too if `metrics` (the service, whose /metrics says). */
export async function serverMemory (target: Target, running: Running, metrics: boolean): Promise<Memory> {
  const rssKb = treeRssKb(running.child.pid as number)
  return metrics ? { rssKb, heapUsedKb: value(await scrape(target.port), HEAP_USED) / 1024 } : { rssKb }
}

/** What each of `count` connections added to a server's memory from `idle` to `open`, in KB. */
export function perConnection (idle: Memory, open: Memory, count: number): Memory {
  const each = (from: number, to: number): number => count > 0 ? (to - from) / count : 0
  const rssKb = each(idle.rssKb, open.rssKb)
  return idle.heapUsedKb === undefined || open.heapUsedKb === undefined
    ? { rssKb }
    : { rssKb, heapUsedKb: each(idle.heapUsedKb, open.heapUsedKb) }
}

/** A load generator of bench/clients/ in a process of its own, which reports on stdout, one JSON line a step. */
export interface Client {
  /** Its next report; rejects, with what it wrote to stderr, if it ended first. */
  next: <Report>() => Promise<Report>
  /** SIGUSR2: its cue for the next step. */
  cue: () => void
  /** Ends it at once (SIGKILL), closing whatever it holds open, and waits until it has exited. */
  stop: () => Promise<void>
}

/** Starts the client `script` with `args`, on the load generator's CPU (as wrk), with the open-file limit raised. */
export function startClient (script: string, args: Array<string | number>): Client {
  const child = spawnWithLimit(
    { command: process.execPath, args: [script, ...args.map(String)] },
    'pipe',
    PINNING?.load
  )
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return {
    next: async <Report>() => {
      const { value: line, done } = await lines.next()
      if (done === true) throw new Error(`the client ${script} ended early: ${stderr}`)
      return JSON.parse(line as string) as Report
    },
    cue: () => { process.kill(child.pid as number, 'SIGUSR2') },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** /sync as the probe saw it. */
export interface Probe {
  requests: number
  /** Answers other than 200, and requests with none (their error's code). */
  failures: Array<number | string>
  p50Ms: number
  p99Ms: number
  worstMs: number
}

/** A probe of /sync under way: its client, and its figures once told to stop. */
export interface SyncProbe {
  client: Client
  /** Stops the probe and gives what it saw. */
  result: () => Promise<Probe>
}

/**
 * Starts bench/clients/sync-probe.ts on `port` (GET /sync on a new connection every 50 ms, from a process of its own)
 * and resolves once it has its first answer.
 */
export async function startSyncProbe (port: number): Promise<SyncProbe> {
  const client = startClient(join(import.meta.dirname, '..', 'clients', 'sync-probe.ts'), [port])
  await client.next()
  return {
    client,
    result: async () => {
      client.cue()
      const { ms, failures } = await client.next<{ ms: number[], failures: Probe['failures'] }>()
      return {
        requests: ms.length,
        failures,
        p50Ms: percentile(ms, 0.5),
        p99Ms: percentile(ms, 0.99),
        worstMs: Math.max(0, ...ms)
      }
    }
  }
}
