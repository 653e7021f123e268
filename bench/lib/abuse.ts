// Abuse: what one client can do to the chat, with GET /sync asked meanwhile from a process of its own, a new
// connection every 50 ms (bench/clients/sync-probe.ts). The join storm: 10,000 sockets join as fast as one client
// opens them (no cap per client) while 10 sockets already in the room send messages, on the service and on the chat's
// baseline, taking turns. The burst: 200 sockets in the room each send 20 messages at once, with the room's rate
// (CHAT_ROOM_RATE_PER_S) and without it. The caps: one client opens 3,000 sockets on the service as it ships. The
// clients are processes of their own (bench/clients/), on the load generator's CPU, as wrk is.
import { join } from 'node:path'
import { freePort, startServer, stopServer } from './processes.ts'
import {
  median, ratio, startClient, startSyncProbe, takeTurns, type Client, type Probe, type Run
} from './scenario.ts'
import { chatBaseline, type Target } from './targets.ts'

const CLIENTS = join(import.meta.dirname, '..', 'clients')
export const STORM_SOCKETS = 10_000
export const BURST_SOCKETS = 200
/** The sockets one client opens against the caps as the service ships them. */
export const CAPPED_SOCKETS = 3000

/** A storm's round, on a fresh process. */
export interface StormRound {
  /** The storm's sockets in the room; refused by HTTP status; failed otherwise; closed by the server once in. */
  opened: number
  refused: Record<string, number>
  failed: number
  closedByServer: number
  /** From the storm's first connect to its last socket's history (the baseline's: its last socket open), in ms. */
  connectMs: number
  /** Until every socket counted everyone online (the baseline's room greets no one: until all were open); null if
   * not within a minute. */
  joinedMs: number | null
  /** The sockets already in the room: messages sent among them during the storm, and those lost or out of order. */
  watch: { watchers: number, sent: number, lost: number, reordered: number }
  sync: Probe
}

/** A burst's round, on a fresh process. */
export interface BurstRound {
  sockets: number
  sent: number
  /** Messages that reached every socket; refused to their sender with an error frame; reached some sockets only;
   * neither seen nor refused. */
  delivered: number
  refused: number
  partial: number
  lost: number
  /** Messages that came to a socket after a later one of the same sender. */
  reordered: number
  closedByServer: number
  /** From the sends to the last message or error frame, in ms. */
  settledMs: number
  sync: Probe
}

export interface AbuseResult {
  rounds: number
  storm: {
    sockets: number
    watchers: number
    service: StormRound[]
    baseline: StormRound[]
    /** Medians over the rounds, and the service's over the baseline's. */
    joinedMs: { service: number | null, baseline: number | null, ratio: number | null }
    syncWorstMs: { service: number, baseline: number, ratio: number | null }
  }
  burst: { sockets: number, messages: number, roomRate: BurstRound[], noRoomRate: BurstRound[] }
  capped: { sockets: number, rounds: StormRound[] }
}

/** The scenario's scale: the test's tiny run, or the full one. */
interface Scale { storm: number, watchers: number, burst: number, messages: number, capped: number }

/**
 * `target` started afresh, /sync probed from its first answer to the end of `work` (which gets its port and may start
 * clients, stopped after it); what `work` found, and the probe's figures.
 */
async function probing<Found> (
  target: Target,
  work: (start: (script: string, args: Array<string | number>) => Client) => Promise<Found>
): Promise<Found & { sync: Probe }> {
  const running = await startServer(target)
  const clients: Client[] = []
  const start = (script: string, args: Array<string | number>): Client => {
    const client = startClient(join(CLIENTS, script), [target.port, ...args])
    clients.push(client)
    return client
  }
  try {
    const probe = await startSyncProbe(target.port)
    clients.push(probe.client)
    const found = await work(start)
    return { ...found, sync: await probe.result() }
  } finally {
    for (const client of clients) await client.stop()
    await stopServer(running)
  }
}

/** A storm of `sockets` on a fresh process of `target`, beside `watchers` already in the room. */
async function storm (target: Target, sockets: number, watchers: number, plain: boolean): Promise<StormRound> {
  console.error(`# abuse: ${target.name}: ${sockets} chat sockets join at once beside ${watchers} in the room`)
  return await probing(target, async (start) =>
    await start('join-storm.ts', [sockets, watchers, ...(plain ? ['plain'] : [])]).next<Omit<StormRound, 'sync'>>())
}

/** A burst of `messages` from each of `sockets` in the room, on a fresh process of `target` (its room's `rate`). */
async function burst (target: Target, rate: string, sockets: number, messages: number): Promise<BurstRound> {
  console.error(`# abuse: ${target.name}, ${rate}: ${sockets} sockets in the room send ${messages} messages at once`)
  return await probing(target, async (start) => {
    const client = start('message-burst.ts', [sockets, messages])
    const { opened, inRoom } = await client.next<{ opened: number, inRoom: boolean }>()
    if (opened < sockets || !inRoom) {
      throw new Error(`${opened} of ${sockets} sockets got into the room before the burst`)
    }
    client.cue()
    return await client.next<Omit<BurstRound, 'sync'>>()
  })
}

/** The median of `values`, null if any is. */
const medianOf = (values: Array<number | null>): number | null =>
  values.includes(null) ? null : median(values as number[])

export async function abuse (run: Run): Promise<AbuseResult> {
  const scale: Scale = run.smoke
    ? { storm: 50, watchers: 3, burst: 10, messages: 5, capped: 30 }
    : { storm: STORM_SOCKETS, watchers: 10, burst: BURST_SOCKETS, messages: 20, capped: CAPPED_SOCKETS }
  const storms = await takeTurns(run, {
    service: async () => await storm(run.service(await freePort()), scale.storm, scale.watchers, false),
    baseline: async () => await storm(chatBaseline(await freePort()), scale.storm, scale.watchers, true)
  })
  const bursts = await takeTurns(run, {
    roomRate: async () =>
      await burst(run.service(await freePort()), 'the room\'s rate as shipped', scale.burst, scale.messages),
    noRoomRate: async () => await burst(
      run.service(await freePort(), { CHAT_ROOM_RATE_PER_S: '0' }), 'no room rate', scale.burst, scale.messages
    )
  })
  // The caps as the service ships them (an empty variable is an unset one); one watcher, so that the client's
  // sockets are `capped` in all.
  const shipped = { CHAT_MAX_SOCKETS_PER_CLIENT: '', CHAT_MAX_SOCKETS: '' }
  const capped = await takeTurns(run, {
    capped: async () => await storm(run.service(await freePort(), shipped), scale.capped - 1, 1, false)
  })
  const joinedMs = {
    service: medianOf(storms.service.map((round) => round.joinedMs)),
    baseline: medianOf(storms.baseline.map((round) => round.joinedMs))
  }
  const syncWorstMs = {
    service: median(storms.service.map((round) => round.sync.worstMs)),
    baseline: median(storms.baseline.map((round) => round.sync.worstMs))
  }
  return {
    rounds: run.rounds,
    storm: {
      sockets: scale.storm,
      watchers: scale.watchers,
      ...storms,
      joinedMs: {
        ...joinedMs,
        ratio: joinedMs.service === null || joinedMs.baseline === null
          ? null
          : ratio(joinedMs.service, joinedMs.baseline)
      },
      syncWorstMs: { ...syncWorstMs, ratio: ratio(syncWorstMs.service, syncWorstMs.baseline) }
    },
    burst: { sockets: scale.burst, messages: scale.messages, ...bursts },
    capped: { sockets: scale.capped, rounds: capped.capped }
  }
}
