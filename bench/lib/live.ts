// Live updates: 10,000 event streams (GET /events) open on the service and on its baseline (bare Fastify holding event
// streams as its user would), the two taking turns, a fresh process of each every round. What each open stream costs in
// memory; how long one update takes to reach every stream, from the moment the server says it published it to each
// stream's receipt; and, on the service, /sync's latency while they are open, against /sync with none open on the same
// process, and /sync probed from a process of its own while the updates go out. The streams are a client process of
// their own (bench/clients/), on the load generator's CPU, as wrk is.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LoadResult } from './load.ts'
import { scrape, value } from './metrics.ts'
import { freePort, startServer, stopServer, treeCpuSeconds, type Running } from './processes.ts'
import {
  SYNC_CONNECTIONS, SYNC_PAUSE_MS, acrossRounds, delivery, measure, median, middle, perConnection, ratio, serverMemory,
  settle, startClient, startSyncProbe, takeTurns, type Client, type Delivery, type Memory, type Probe, type Run,
  type SyncProbe
} from './scenario.ts'
import { eventsBaseline, type Target } from './targets.ts'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'event-streams.ts')
export const STREAMS = 10_000
/** Updates whose delivery is measured in each round, one after another. */
export const UPDATES = 10
/** LIVE_INTERVAL_MS: an update a second, as the service's default. */
export const INTERVAL_MS = 1000
/** LIVE_CALL_LATENCY_MS: no wait for the dependency behind an update, which only delays the next. */
export const CALL_LATENCY_MS = 0

/** What the service's /metrics said in a round; the baseline has none. */
export interface LiveMetrics {
  /** Streams it counted open (live_streams_open) once they were. */
  streamsOpen: number
  /** Streams it disconnected for reading too slowly (live_clients_dropped_total). */
  dropped: number
}

/** One target's round, on a fresh process. */
export interface LiveRound {
  /** Streams whose answer began with 200; failed to connect; answered with another status. */
  opened: number
  failed: number
  refused: number
  /** From the first connect to the last stream's head, in ms. */
  connectMs: number
  memory: { idle: Memory, open: Memory }
  /** (Streams open − idle) ÷ streams open. */
  perStream: Memory
  /** Each update measured: its seq, the streams it reached, and when its last stream got it. */
  updates: Array<{ seq: number | null, received: number, lastMs: number }>
  /** Over every (stream, update) pair: from the update's publish time (its `at`) to the stream's receipt. */
  delivery: Delivery
  /** The server's processor time while the updates were measured, per update, in ms. */
  cpuPerUpdateMs: number
  /** Streams the server closed meanwhile. */
  closedByServer: number
  metrics?: LiveMetrics
  /** On the service: /sync probed from a process of its own while the updates were measured. */
  probe?: Probe
}

/** One target over the rounds. */
export interface LiveTarget {
  rounds: LiveRound[]
  /** The memory per stream of the round whose resident memory per stream is the median. */
  perStream: Memory
  /** The rounds' deliveries together: each percentile the median of the rounds'. */
  delivery: Delivery
  /** The median of the rounds'. */
  cpuPerUpdateMs: number
}

export interface LiveResult {
  streams: number
  intervalMs: number
  callLatencyMs: number
  /** Rounds, and updates measured in each. */
  rounds: number
  updatesPerRound: number
  service: LiveTarget
  baseline: LiveTarget
  /** The service's figure over the baseline's (null where the baseline's is 0). */
  ratios: { rssPerStream: number | null, lastP50: number | null, lastP99: number | null, cpuPerUpdate: number | null }
  /**
   * On the service, in its last round: /sync at a modest, steady load (connections each pausing `pauseMs` between
   * requests) with the streams open, and with none once they closed.
   */
  sync: { pauseMs: number, open: LoadResult, none: LoadResult, p99Ratio: number }
  /** /sync probed on a new connection every 50 ms while the service's updates went out: each round's, in order. */
  probes: Probe[]
}

interface Opened { opened: number, failed: number, refused: number, ms: number }
interface Delivered {
  streams: number
  closedByServer: number
  updates: Array<{ seq: number | null, latenciesMs: number[] }>
}

const STREAMS_OPEN = 'live_streams_open'

/** The scenario's scale: the test's tiny run, or the full one. */
interface Scale { streams: number, updates: number, intervalMs: number, syncConnections: number, syncDurationS: number }

/**
 * /sync with the streams of `client` open, then with none once the client has gone and the service counts none open
 * (15 s at most), on the same process.
 */
async function syncOpenAndNone (
  run: Run,
  scale: Scale,
  target: Target,
  running: Running,
  client: Client
): Promise<LiveResult['sync']> {
  console.error(`# live updates: /sync at ${scale.syncConnections} connections with the streams open, then with none`)
  const options = { pauseMs: SYNC_PAUSE_MS }
  if (!run.smoke) await measure(target, running, '/sync', scale.syncConnections, 1, options)
  const open = await measure(target, running, '/sync', scale.syncConnections, scale.syncDurationS, options)
  await client.stop()
  for (
    const until = performance.now() + 15_000;
    value(await scrape(target.port), STREAMS_OPEN) > 0 && performance.now() < until;
  ) {
    await sleep(100)
  }
  await settle(run, 1000)
  const none = await measure(target, running, '/sync', scale.syncConnections, scale.syncDurationS, options)
  return { pauseMs: SYNC_PAUSE_MS, open, none, p99Ratio: open.p99Ms / none.p99Ms }
}

/**
 * A round on a fresh process of `target`: its memory idle and with the streams open, then the updates' way to them.
 * The service's (`service`) also reads /metrics, and in its last round measures /sync before it stops.
 */
async function liveRound (
  run: Run,
  scale: Scale,
  target: Target,
  round: number,
  service: boolean
): Promise<{ round: LiveRound, sync?: LiveResult['sync'] }> {
  const running = await startServer(target)
  const pid = running.child.pid as number
  let client: Client | undefined
  let probe: SyncProbe | undefined
  try {
    await settle(run, 1000)
    const idle = await serverMemory(target, running, service)

    console.error(`# live updates: ${target.name}, round ${round + 1} of ${run.rounds}: ` +
      `${scale.streams} event streams, an update every ${scale.intervalMs} ms`)
    // Time enough for the updates, and for a slow moment of the machine.
    client = startClient(CLIENT, [
      target.port,
      scale.streams,
      scale.updates,
      (scale.updates + 5) * scale.intervalMs + 15_000
    ])
    const opened = await client.next<Opened>()
    await settle(run, 1000)
    const open = await serverMemory(target, running, service)
    const counted = service ? await scrape(target.port) : undefined

    console.error(`# live updates: ${target.name}: ${opened.opened} streams open; ${scale.updates} updates measured`)
    // The service's /sync meanwhile, as a client that is not a stream sees it.
    probe = service ? await startSyncProbe(target.port) : undefined
    const cpuFrom = treeCpuSeconds(pid) ?? 0
    client.cue()
    const delivered = await client.next<Delivered>()
    const cpuS = (treeCpuSeconds(pid) ?? 0) - cpuFrom
    const probed = await probe?.result()
    const syncResult = service && round === run.rounds - 1
      ? await syncOpenAndNone(run, scale, target, running, client)
      : undefined

    const figures: LiveRound = {
      opened: opened.opened,
      failed: opened.failed,
      refused: opened.refused,
      connectMs: opened.ms,
      memory: { idle, open },
      perStream: perConnection(idle, open, opened.opened),
      updates: delivered.updates.map(({ seq, latenciesMs }) => ({
        seq,
        received: latenciesMs.length,
        lastMs: Math.max(0, ...latenciesMs)
      })),
      delivery: delivery(delivered.updates.map(({ latenciesMs }) => latenciesMs), opened.opened),
      cpuPerUpdateMs: cpuS * 1000 / delivered.updates.length,
      closedByServer: delivered.closedByServer,
      ...(probed === undefined ? {} : { probe: probed }),
      ...(counted === undefined
        ? {}
        : {
            metrics: {
              streamsOpen: value(counted, STREAMS_OPEN),
              dropped: value(await scrape(target.port), 'live_clients_dropped_total')
            }
          })
    }
    return { round: figures, ...(syncResult === undefined ? {} : { sync: syncResult }) }
  } finally {
    await probe?.client.stop()
    await client?.stop()
    await stopServer(running)
  }
}

/** A target's figures over its rounds. */
function overRounds (rounds: LiveRound[]): LiveTarget {
  return {
    rounds,
    perStream: middle(rounds, (round) => round.perStream.rssKb).perStream,
    delivery: acrossRounds(rounds.map((round) => round.delivery)),
    cpuPerUpdateMs: median(rounds.map((round) => round.cpuPerUpdateMs))
  }
}

export async function live (run: Run): Promise<LiveResult> {
  const scale: Scale = run.smoke
    ? { streams: 50, updates: 5, intervalMs: 100, syncConnections: 2, syncDurationS: 1 }
    : {
        streams: STREAMS,
        updates: UPDATES,
        intervalMs: INTERVAL_MS,
        syncConnections: SYNC_CONNECTIONS,
        syncDurationS: run.durationS
      }
  const env = { LIVE_INTERVAL_MS: String(scale.intervalMs), LIVE_CALL_LATENCY_MS: String(CALL_LATENCY_MS) }
  const turns = await takeTurns(run, {
    service: async (round) => await liveRound(run, scale, run.service(await freePort(), env), round, true),
    baseline: async (round) =>
      await liveRound(run, scale, eventsBaseline(await freePort(), scale.intervalMs), round, false)
  })
  const sync = turns.service.at(-1)?.sync
  if (sync === undefined) throw new Error('the service\'s last round measured no /sync')
  const service = overRounds(turns.service.map(({ round }) => round))
  const probes = turns.service.map(({ round }) => {
    if (round.probe === undefined) throw new Error('a round of the service probed no /sync')
    return round.probe
  })
  const baseline = overRounds(turns.baseline.map(({ round }) => round))
  return {
    streams: scale.streams,
    intervalMs: scale.intervalMs,
    callLatencyMs: CALL_LATENCY_MS,
    rounds: run.rounds,
    updatesPerRound: scale.updates,
    service,
    baseline,
    ratios: {
      rssPerStream: ratio(service.perStream.rssKb, baseline.perStream.rssKb),
      lastP50: ratio(service.delivery.lastP50Ms, baseline.delivery.lastP50Ms),
      lastP99: ratio(service.delivery.lastP99Ms, baseline.delivery.lastP99Ms),
      cpuPerUpdate: ratio(service.cpuPerUpdateMs, baseline.cpuPerUpdateMs)
    },
    sync,
    probes
  }
}
