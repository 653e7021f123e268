// Live updates: 10,000 event streams (GET /events) open on one service. What each open stream costs in memory; how
// long one update takes to reach every stream, from the moment the service says it published it to each stream's
// receipt; and /sync's latency while they are open, against /sync with none open on the same service. The streams
// are a client process of their own (bench/clients/), on the load generator's CPU, as wrk is.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LoadResult } from './load.js'
import { scrape, value } from './metrics.js'
import { freePort, startServer, stopServer, treeCpuSeconds } from './processes.js'
import { SYNC_CONNECTIONS, SYNC_PAUSE_MS, delivery, measure, serviceMemory, settle, startClient, type Client, type Delivery, type Memory, type Run } from './scenario.js'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'event-streams.ts')
export const STREAMS = 10_000
/** Updates whose delivery is measured, one after another. */
export const UPDATES = 20
/** LIVE_INTERVAL_MS: an update a second, as the service's default. */
export const INTERVAL_MS = 1000
/** LIVE_CALL_LATENCY_MS: no wait for the dependency behind an update, which only delays the next. */
export const CALL_LATENCY_MS = 0

export interface LiveResult {
  streams: number
  intervalMs: number
  callLatencyMs: number
  /** Streams whose answer began with 200; failed to connect; answered with another status. */
  opened: number
  failed: number
  refused: number
  /** From the first connect to the last stream's head, in ms. */
  connectMs: number
  /** Streams the service counted open (live_streams_open) once they were. */
  serviceStreams: number
  memory: { idle: Memory, open: Memory }
  /** (Streams open − idle) ÷ streams open, in KB. */
  rssPerStreamKb: number
  heapPerStreamKb: number
  /** Each update measured: its seq, the streams it reached, and when its last stream got it. */
  updates: Array<{ seq: number | null, received: number, lastMs: number }>
  /** Over every (stream, update) pair: from the update's publish time (its `at`) to the stream's receipt. */
  delivery: Delivery
  /** The service's processor time while the updates were measured, per update published, in ms. */
  cpuPerUpdateMs: number
  /** Streams the service closed meanwhile, and those it dropped for reading too slowly (live_clients_dropped_total). */
  closedByServer: number
  dropped: number
  /** /sync at a modest, steady load (connections each pausing `pauseMs` between requests) with the streams open, and with none once they closed. */
  sync: { pauseMs: number, open: LoadResult, none: LoadResult, p99Ratio: number }
}

interface Opened { opened: number, failed: number, refused: number, ms: number }
interface Delivered { streams: number, closedByServer: number, updates: Array<{ seq: number | null, latenciesMs: number[] }> }

const UPDATES_PUBLISHED = 'live_updates_total'
const STREAMS_OPEN = 'live_streams_open'

export async function live (run: Run): Promise<LiveResult> {
  const streams = run.smoke ? 50 : STREAMS
  const updates = run.smoke ? 5 : UPDATES
  const intervalMs = run.smoke ? 100 : INTERVAL_MS
  const syncConnections = run.smoke ? 2 : SYNC_CONNECTIONS
  const syncDurationS = run.smoke ? 1 : run.durationS
  const target = run.service(await freePort(), { LIVE_INTERVAL_MS: String(intervalMs), LIVE_CALL_LATENCY_MS: String(CALL_LATENCY_MS) })
  const running = await startServer(target)
  const pid = running.child.pid as number
  let client: Client | undefined
  try {
    await settle(run, 1000)
    const idle = await serviceMemory(target, running)

    console.error(`# live updates: ${streams} event streams, an update every ${intervalMs} ms`)
    // Time enough for the updates, and for a slow moment of the machine.
    client = startClient(CLIENT, [target.port, streams, updates, (updates + 5) * intervalMs + 15_000])
    const opened = await client.next<Opened>()
    await settle(run, 1000)
    const open = await serviceMemory(target, running)
    const before = await scrape(target.port)

    console.error(`# live updates: ${opened.opened} streams open; ${updates} updates measured`)
    const cpuFrom = treeCpuSeconds(pid) ?? 0
    client.cue()
    const delivered = await client.next<Delivered>()
    const cpuS = (treeCpuSeconds(pid) ?? 0) - cpuFrom
    const published = value(await scrape(target.port), UPDATES_PUBLISHED) - value(before, UPDATES_PUBLISHED)

    console.error(`# live updates: /sync at ${syncConnections} connections with ${delivered.streams} streams open, then with none`)
    if (!run.smoke) await measure(target, running, '/sync', syncConnections, 1, { pauseMs: SYNC_PAUSE_MS })
    const syncOpen = await measure(target, running, '/sync', syncConnections, syncDurationS, { pauseMs: SYNC_PAUSE_MS })
    await client.stop()
    // Every stream closed, as the service sees it, before /sync is measured again: 15 s at most.
    for (const until = performance.now() + 15_000; value(await scrape(target.port), STREAMS_OPEN) > 0 && performance.now() < until;) await sleep(100)
    await settle(run, 1000)
    const syncNone = await measure(target, running, '/sync', syncConnections, syncDurationS, { pauseMs: SYNC_PAUSE_MS })
    const after = await scrape(target.port)

    const latencies = delivered.updates.map(({ latenciesMs }) => latenciesMs)
    return {
      streams,
      intervalMs,
      callLatencyMs: CALL_LATENCY_MS,
      opened: opened.opened,
      failed: opened.failed,
      refused: opened.refused,
      connectMs: opened.ms,
      serviceStreams: value(before, STREAMS_OPEN),
      memory: { idle, open },
      rssPerStreamKb: opened.opened > 0 ? (open.rssKb - idle.rssKb) / opened.opened : 0,
      heapPerStreamKb: opened.opened > 0 ? (open.heapUsedKb - idle.heapUsedKb) / opened.opened : 0,
      updates: delivered.updates.map(({ seq, latenciesMs }) => ({ seq, received: latenciesMs.length, lastMs: Math.max(0, ...latenciesMs) })),
      delivery: delivery(latencies, opened.opened),
      cpuPerUpdateMs: published > 0 ? cpuS * 1000 / published : 0,
      closedByServer: delivered.closedByServer,
      dropped: value(after, 'live_clients_dropped_total'),
      sync: { pauseMs: SYNC_PAUSE_MS, open: syncOpen, none: syncNone, p99Ratio: syncOpen.p99Ms / syncNone.p99Ms }
    }
  } finally {
    await client?.stop()
    await stopServer(running)
  }
}
