// Clients that leave: 10,000 connections each ask GET /wait?seconds=30, are held, then all close at once. The
// service's memory and CPU before, while it holds them and after they left, and what /metrics says afterwards: every
// dependency call cancelled, nothing left in flight. The clients are a process of their own (bench/clients/), on the
// load generator's CPU, as wrk is.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { HEAP_USED, scrape, value, type Series } from './metrics.ts'
import { freePort, startServer, stopServer, treeCpuSeconds, treeRssKb } from './processes.ts'
import { settle, startClient, type Client, type Run } from './scenario.ts'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'hold-and-leave.ts')
export const CLIENTS = 10_000
/** Longer than the scenario lasts: only leaving ends these requests. */
export const WAIT_PATH = '/wait?seconds=30'
/** Processor use, in cores, at or under which the service counts as idle. */
export const IDLE_CPU = 0.05
/** How long a stretch of CPU at or under IDLE_CPU must last to count as back to idle. */
const IDLE_STRETCH_MS = 500
/** How long the service is watched after the clients left. */
const WATCH_MS = 5000

/** Resident memory in KB, and processor time in s so far, of the service at a moment. */
interface Sample {
  at: number
  rssKb: number
  cpuS: number
}

/** The same figure at each step of the scenario. */
export interface Phases {
  /** Before any client connected. */
  idle: number
  /** While the clients connect and send their requests. */
  connecting: number
  /** While every request is held. */
  held: number
  /** The first second after the clients left. */
  leaving: number
  /** The last second of the watch, WATCH_MS after they left. */
  after: number
}

export interface DisconnectResult {
  clients: number
  path: string
  /**
   * Connections that sent their request; failed to connect; got an answer (or were closed) while they were to be held.
   */
  opened: number
  failed: number
  answered: number
  closedByServer: number
  /** From the first connect to the last request sent, in ms. */
  connectMs: number
  /** Requests in flight in the service once all were sent (http_requests_in_flight, less the scrape's own). */
  heldInFlight: number
  /** The service's processor use in each step, in cores. */
  cpu: Phases
  /** The service's resident memory (KB): the highest of each step but idle and after, which are the step's last. */
  rssKb: Phases
  /** Resident memory each held request costs: (highest while held − idle) ÷ requests held, in KB. */
  rssPerRequestKb: number
  /** V8's heap in use (KB) per /metrics: before, while held, after. */
  heapUsedKb: { idle: number, held: number, after: number }
  /**
   * From the moment the clients left to the first IDLE_STRETCH_MS at or under IDLE_CPU, in ms; null if not within the
   * watch.
   */
  idleAgainMs: number | null
  /**
   * From the moment they left until /metrics shows no request and no dependency call in flight, in ms; null if not
   * within the watch.
   */
  drainedMs: number | null
  /** /metrics at the end of the watch. */
  after: {
    /** dependency_calls_total{outcome="cancelled"} counted during the scenario: one per request that was left. */
    cancelled: number
    dependencyInFlight: number
    /** http_requests_in_flight, less the scrape's own. */
    httpInFlight: number
  }
}

const CANCELLED = 'dependency_calls_total{outcome="cancelled"}'
/** Requests in flight, without the scrape that asks. */
const httpInFlight = (series: Series): number => value(series, 'http_requests_in_flight') - 1

export async function disconnects (run: Run): Promise<DisconnectResult> {
  const clients = run.smoke ? 50 : CLIENTS
  const watchMs = run.smoke ? 1000 : WATCH_MS
  const target = run.service(await freePort())
  const running = await startServer(target)
  const pid = running.child.pid as number
  const samples: Sample[] = []
  const sample = (): void => {
    samples.push({ at: performance.now(), rssKb: treeRssKb(pid), cpuS: treeCpuSeconds(pid) ?? 0 })
  }
  /**
   * A step's boundary: sampled there, so that every step has samples however short it is (50 clients connect in less
   * than the interval).
   */
  const mark = (): number => { sample(); return samples.at(-1)?.at as number }
  /** Cores used from `from` to `to` (ms on performance.now()), by the samples nearest inside. */
  const cores = (from: number, to: number): number => {
    const inside = samples.filter(({ at }) => at >= from && at <= to)
    const [first, last] = [inside[0], inside.at(-1)]
    return first === undefined || last === undefined || last.at === first.at
      ? 0
      : (last.cpuS - first.cpuS) / ((last.at - first.at) / 1000)
  }
  const highestRss = (from: number, to: number): number =>
    Math.max(...samples.filter(({ at }) => at >= from && at <= to).map(({ rssKb }) => rssKb))
  const lastRss = (): number => samples.at(-1)?.rssKb ?? 0
  let sampler: NodeJS.Timeout | undefined
  let client: Client | undefined
  try {
    await settle(run, 1000)
    const before = await scrape(target.port)
    sampler = setInterval(sample, 100)
    const idleFrom = mark()
    await sleep(run.smoke ? 300 : 1000)
    const idleTo = mark()
    const idleRssKb = lastRss()

    console.error(`# clients that leave: ${clients} connections to ${WAIT_PATH}`)
    client = startClient(CLIENT, [target.port, WAIT_PATH, clients])
    const connectFrom = mark()
    const opened = await client.next<Record<string, number>>()
    const connectTo = mark()

    // Every request reached the service (not only its socket): wait until /metrics counts them, 15 s at most.
    let held = await scrape(target.port)
    for (
      const until = performance.now() + 15_000;
      httpInFlight(held) < (opened.opened as number) && performance.now() < until;
    ) {
      await sleep(250)
      held = await scrape(target.port)
    }
    await sleep(run.smoke ? 200 : 1000)
    const heldTo = mark()

    console.error(`# clients that leave: ${httpInFlight(held)} requests held; all ${opened.opened} clients leave`)
    client.cue()
    const leftAt = mark()
    await client.next()
    // Polled only until drained, so that the scrapes weigh as little as possible on the CPU watched.
    let drainedMs: number | null = null
    for (const until = leftAt + watchMs; drainedMs === null && performance.now() < until; await sleep(250)) {
      const now = await scrape(target.port)
      if (httpInFlight(now) === 0 && value(now, 'dependency_calls_in_flight') === 0) {
        drainedMs = performance.now() - leftAt
      }
    }
    await sleep(Math.max(0, leftAt + watchMs - performance.now()))
    clearInterval(sampler)
    const watchTo = mark()
    const after = await scrape(target.port)

    const idleStart = samples.find((start) =>
      start.at >= leftAt && cores(start.at, start.at + IDLE_STRETCH_MS) <= IDLE_CPU &&
      samples.some(({ at }) => at >= start.at + IDLE_STRETCH_MS - 100))
    const heldCount = httpInFlight(held)
    const heldRssKb = highestRss(connectFrom, heldTo)
    return {
      clients,
      path: WAIT_PATH,
      opened: opened.opened as number,
      failed: opened.failed as number,
      answered: opened.answered as number,
      closedByServer: opened.closedByServer as number,
      connectMs: connectTo - connectFrom,
      heldInFlight: heldCount,
      cpu: {
        idle: cores(idleFrom, idleTo),
        connecting: cores(connectFrom, connectTo),
        held: cores(connectTo, heldTo),
        leaving: cores(leftAt, leftAt + 1000),
        after: cores(watchTo - 1000, watchTo)
      },
      rssKb: {
        idle: idleRssKb,
        connecting: highestRss(connectFrom, connectTo),
        held: heldRssKb,
        leaving: highestRss(leftAt, leftAt + 1000),
        after: lastRss()
      },
      rssPerRequestKb: heldCount > 0 ? (heldRssKb - idleRssKb) / heldCount : 0,
      heapUsedKb: {
        idle: value(before, HEAP_USED) / 1024,
        held: value(held, HEAP_USED) / 1024,
        after: value(after, HEAP_USED) / 1024
      },
      idleAgainMs: idleStart === undefined ? null : idleStart.at - leftAt,
      drainedMs,
      after: {
        cancelled: value(after, CANCELLED) - value(before, CANCELLED),
        dependencyInFlight: value(after, 'dependency_calls_in_flight'),
        httpInFlight: httpInFlight(after)
      }
    }
  } finally {
    clearInterval(sampler)
    await client?.stop()
    await stopServer(running)
  }
}
