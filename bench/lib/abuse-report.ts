// Turns the abuse scenario's results into Markdown (the join storm beside its baseline's, the burst with the room's
// rate and without, the caps) and its targets' verdicts.
import type { AbuseResult, BurstRound, StormRound } from './abuse.ts'
import { eachRound, ms, number, total, verdictTable, type Verdict } from './report.ts'

/** The cap per client the service ships with (CHAT_MAX_SOCKETS_PER_CLIENT's default). */
const SHIPPED_CAP = 20
/** The bounds the targets set: the storm against its baseline's, /sync's worst during a burst. */
const JOINED_RATIO = 2.5
const SYNC_RATIO = 1.5
const BURST_SYNC_MS = 250

/** The highest of a figure over rounds. */
const highest = <Round>(rounds: Round[], figure: (round: Round) => number): number =>
  Math.max(0, ...rounds.map(figure))
const allRounds = ({ burst }: AbuseResult): BurstRound[] => [...burst.roomRate, ...burst.noRoomRate]
const times = (value: number | null): string => value === null ? '–' : `${number(value, 2)}×`

/** Whether a capped round let in the cap's worth of the client's sockets (its watcher too) and refused the rest. */
function heldToCap (round: StormRound, sockets: number): boolean {
  return round.opened + round.watch.watchers === SHIPPED_CAP &&
    round.refused['429'] === sockets - SHIPPED_CAP && round.failed === 0
}

export function abuseVerdicts (result: AbuseResult): Verdict[] {
  const { storm, burst, capped } = result
  const allIn = storm.service.every((round) => round.opened === storm.sockets && round.joinedMs !== null)
  const { joinedMs, syncWorstMs } = storm
  const [lost, reordered, sent] = [
    total(storm.service, (round) => round.watch.lost),
    total(storm.service, (round) => round.watch.reordered),
    total(storm.service, (round) => round.watch.sent)
  ]
  const burstWorst = highest(burst.roomRate, (round) => round.sync.worstMs)
  const unaccounted = total(allRounds(result), (round) =>
    round.partial + round.lost + round.reordered + Math.abs(round.sent - round.delivered - round.refused))
  const cappedWorst = highest(capped.rounds, (round) => round.sync.worstMs)
  const withinStorm = (worst: number): boolean => worst <= SYNC_RATIO * syncWorstMs.baseline
  return [
    {
      goal: `${number(storm.sockets)} chat sockets joining from one client, no cap per client: ` +
        `all in the room within ${JOINED_RATIO}× the baseline's time`,
      measured: `${joinedMs.service === null ? 'not all' : `${number(joinedMs.service)} ms`} against ` +
        `${joinedMs.baseline === null ? 'not all' : `${number(joinedMs.baseline)} ms`} (${times(joinedMs.ratio)})`,
      met: allIn && joinedMs.ratio !== null && joinedMs.ratio <= JOINED_RATIO
    },
    {
      goal: `/sync's worst during that storm within ${SYNC_RATIO}× its worst beside the baseline's`,
      measured: `${ms(syncWorstMs.service)} ms against ${ms(syncWorstMs.baseline)} ms (${times(syncWorstMs.ratio)})`,
      met: syncWorstMs.ratio !== null && syncWorstMs.ratio <= SYNC_RATIO
    },
    {
      goal: 'the sockets already in the room during the storm: 0 messages lost or reordered',
      measured: `${number(lost)} lost, ${number(reordered)} reordered, of ${number(sent)}`,
      met: lost + reordered === 0 && sent > 0
    },
    {
      goal: `${number(burst.sockets)} sockets each sending ${number(burst.messages)} messages at once: ` +
        `/sync's worst under ${BURST_SYNC_MS} ms`,
      measured: `${ms(burstWorst)} ms`,
      met: burstWorst < BURST_SYNC_MS
    },
    {
      goal: 'every message of the burst delivered to every socket in order, or refused to its sender; none lost',
      measured: `${number(unaccounted)} otherwise, with the room's rate and without`,
      met: unaccounted === 0
    },
    {
      goal: `one client opening ${number(capped.sockets)} sockets, the caps as shipped: ` +
        `${SHIPPED_CAP} in the room, the rest refused with 429`,
      measured: capped.rounds.map((round) =>
        `${number(round.opened + round.watch.watchers)} in, ${number(round.refused['429'] ?? 0)} refused`).join('; '),
      met: capped.rounds.every((round) => heldToCap(round, capped.sockets))
    },
    {
      goal: `/sync's worst meanwhile within ${SYNC_RATIO}× its worst beside the baseline's storm`,
      measured: `${ms(cappedWorst)} ms`,
      met: withinStorm(cappedWorst)
    }
  ]
}

/** A round's /sync: p99 and worst, and the requests that failed. */
const probeFigures = (round: { sync: StormRound['sync'] }): string =>
  `${ms(round.sync.p99Ms)} / ${ms(round.sync.worstMs)}` +
  (round.sync.failures.length === 0 ? '' : ` (${number(round.sync.failures.length)} failed)`)

export function abuseTable (result: AbuseResult, verdictList: Verdict[]): string {
  const { storm, burst, capped } = result
  const joined = (round: StormRound): string => round.joinedMs === null ? 'not all' : number(round.joinedMs)
  const stormRow = (name: string, rounds: StormRound[]): string =>
    `| ${name} | ${eachRound(rounds, (round) => round.opened)} | ${rounds.map(joined).join(', ')} | ` +
    `${rounds.map(probeFigures).join(', ')} | ${number(total(rounds, (round) => round.sync.requests))} | ` +
    `${number(total(rounds, (round) => round.watch.sent))} / ` +
    `${number(total(rounds, (round) => round.watch.lost + round.watch.reordered))} |`
  const burstRow = (name: string, rounds: BurstRound[]): string =>
    `| ${name} | ${eachRound(rounds, (round) => round.delivered)} | ` +
    `${eachRound(rounds, (round) => round.refused)} | ${eachRound(rounds, (round) => round.partial + round.lost)} | ` +
    `${eachRound(rounds, (round) => round.reordered)} | ` +
    `${eachRound(rounds, (round) => round.settledMs)} | ${rounds.map(probeFigures).join(', ')} |`
  return [
    'What one client can do, with GET /sync asked meanwhile from a process of its own on a new connection every ' +
      '50 ms (bench/clients/sync-probe.ts); each round on a fresh process, figures round by round, ' +
      `${result.rounds === 1 ? 'one round' : `${result.rounds} rounds, the targets taking turns`}. ` +
      `The join storm: ${number(storm.sockets)} WebSockets join GET /chat from one client process, ` +
      'a hundred handshakes at a time (bench/clients/join-storm.ts; the service with no cap per client), while ' +
      `${number(storm.watchers)} sockets already in the room send a message every 200 ms in turn; ` +
      'on the service (in the room: every socket counting everyone online) and on the chat\'s baseline ' +
      '(bare Fastify and @fastify/websocket, in the room once open).',
    '',
    '| join storm | in the room | all in, ms | /sync p99 / worst, ms | /sync requests | ' +
      'messages among those already in: sent / lost or reordered |',
    '|---|---:|---:|---:|---:|---:|',
    stormRow('service', storm.service),
    stormRow('baseline', storm.baseline),
    '',
    `The burst: ${number(burst.sockets)} sockets in the room each send ${number(burst.messages)} messages at once ` +
      '(bench/clients/message-burst.ts), on the service with the room\'s rate as shipped (CHAT_ROOM_RATE_PER_S) and ' +
      'with none (0): then only the sends waiting in the room\'s outbox bound it.',
    '',
    '| burst | delivered to every socket | refused to the sender | lost, or to some sockets only | reordered | ' +
      'settled, ms | /sync p99 / worst, ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    burstRow('room rate as shipped', burst.roomRate),
    burstRow('no room rate', burst.noRoomRate),
    '',
    `The caps as shipped: one client opens ${number(capped.sockets)} sockets; in the room ` +
      `${capped.rounds.map((round) => number(round.opened + round.watch.watchers)).join(', ')}, refused ` +
      `${capped.rounds.map((round) => Object.entries(round.refused)
        .map(([status, count]) => `${number(count)} with ${status}`).join(' and ') || 'none').join('; ')}; ` +
      `/sync p99 / worst ${capped.rounds.map(probeFigures).join(', ')} ms.`,
    '',
    verdictTable(verdictList)
  ].join('\n')
}
