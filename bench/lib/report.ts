// Turns benchmark results into Markdown tables (the ladder, overhead, fan-out, clients that leave, /sync while the CPU
// is busy, live updates, chat, replicas; the abuse's are in abuse-report.ts), the targets' verdicts, and an SVG chart
// drawn with vega-lite.
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { AbuseResult } from './abuse.ts'
import type { ChatResult, ChatTarget } from './chat.ts'
import type { CpuBusyResult, CpuCondition } from './cpu-busy.ts'
import type { DatabaseResult } from './database.ts'
import { IDLE_CPU, type DisconnectResult } from './disconnects.ts'
import type { FanoutResult } from './fanout.ts'
import type { LiveResult, LiveTarget } from './live.ts'
import { SATURATED_CPU, type LoadResult } from './load.ts'
import { SETUPS, type ReplicasResult, type Setup, type Steps } from './replicas.ts'
import { median, ratio, type Delivery, type Memory } from './scenario.ts'

export interface TargetResult {
  name: string
  own: boolean
  startupMs: number
  idleRssKb: number
  ladder: Array<LoadResult & { idealPerSecond: number, rssPerRequestKb: number }>
  sync: LoadResult
}

export interface BenchResults {
  date: string
  cores: number
  cpu: string
  node: string
  quick: boolean
  /** The machine's load average over 1, 5 and 15 minutes, at the start of the run and at its end: other work on it. */
  loadAverage: { start: number[], end: number[] }
  /** The CPUs servers and load generators were pinned to, if any. */
  pinning: { server: string, load: string } | null
  delayMs: number
  targets: TargetResult[]
  /** The service's scenarios; each is left out when the run skips it (--skip). */
  fanout?: FanoutResult
  disconnects?: DisconnectResult
  cpuBusy?: CpuBusyResult
  live?: LiveResult
  chat?: ChatResult
  abuse?: AbuseResult
  database?: DatabaseResult
  replicas?: ReplicasResult
  /** Size of the service's access log after the run. */
  accessLogBytes: number
  missingPeers: string[]
}

export interface Verdict {
  goal: string
  measured: string
  met: boolean
}

export const number = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The ladder, overhead and start-up of every target, as Markdown. */
export function table (results: BenchResults): string {
  const rows = [
    '| target | connections | req/s | ideal | p50 ms | p99 ms | errors | KB per request in flight | wrk CPU | ' +
      'server CPU | server CPU µs per request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const cpu = (step: LoadResult): string =>
    `${number(step.loadGeneratorCpu, 2)} | ${number(step.serverCpu, 2)} | ${number(step.serverCpuPerRequestUs)}`
  // Latencies of a step that got no answer at all would read 0 ms: show a dash instead.
  const latency = (step: LoadResult, value: number): string => step.requests === 0 ? '–' : number(value)
  for (const target of results.targets) {
    for (const step of target.ladder) {
      rows.push(`| ${target.name} | ${number(step.connections)} | ${number(step.requestsPerSecond)} | ` +
        `${number(step.idealPerSecond)} | ${latency(step, step.p50Ms)} | ${latency(step, step.p99Ms)} | ` +
        `${number(step.errors)} | ${number(step.rssPerRequestKb, 1)} | ${cpu(step)} |`)
    }
  }
  if (results.targets.some((target) => target.ladder.some((step) => step.requests === 0))) {
    rows.push('', 'A step with 0 req/s and no latency got no answer before the run ended: ' +
      'its requests still waited in the server\'s queue.')
  }
  rows.push(
    '',
    '| target | /sync req/s (100 connections) | /sync p99 ms | wrk CPU | server CPU | server CPU µs per request | ' +
      'start-up ms (median) |',
    '|---|---:|---:|---:|---:|---:|---:|'
  )
  for (const target of results.targets) {
    rows.push(`| ${target.name} | ${number(target.sync.requestsPerSecond)} | ${number(target.sync.p99Ms)} | ` +
      `${cpu(target.sync)} | ${number(target.startupMs)} |`)
  }
  rows.push('', 'CPU: processor time over wall time during the load, in cores (wrk runs on one thread, so one core ' +
    'is its most), and the server\'s processor time over the requests it answered: on a shared machine, ' +
    'steadier than req/s.')
  const saturated = results.targets.flatMap((target) => [
    ...target.ladder.map((step) => ({ what: `${target.name} at ${number(step.connections)} connections`, step })),
    { what: `${target.name} on /sync`, step: target.sync }
  ]).filter(({ step }) => step.loadGeneratorCpu >= SATURATED_CPU)
  if (saturated.length > 0) {
    rows.push('', `wrk used ${number(SATURATED_CPU * 100)} % of its core or more for ` +
      `${saturated.map(({ what }) => what).join(', ')}: ` +
      'there the req/s is a floor set by the load generator, not the server\'s ceiling.')
  }
  return rows.join('\n')
}

/** The service's targets, as ratios against the baseline measured in the same run. */
export function verdicts (results: BenchResults): Verdict[] {
  const service = results.targets.find((target) => target.name === 'service')
  const baseline = results.targets.find((target) => target.name === 'baseline')
  if (service === undefined || baseline === undefined) return []
  const top = (target: TargetResult): LoadResult & { rssPerRequestKb: number } =>
    target.ladder.at(-1) as LoadResult & { rssPerRequestKb: number }
  const [ours, theirs] = [top(service), top(baseline)]
  const at = `/ at ${number(ours.connections)} connections`
  const throughput = ours.requestsPerSecond / theirs.requestsPerSecond
  const p99 = ours.p99Ms / theirs.p99Ms
  const sync = service.sync.requestsPerSecond / baseline.sync.requestsPerSecond
  const startup = service.startupMs / baseline.startupMs
  return [
    {
      goal: `${at}: ≥ 97 % of the baseline's req/s`,
      measured: `${number(throughput * 100, 1)} % ` +
        `(${number(ours.requestsPerSecond)} against ${number(theirs.requestsPerSecond)})`,
      met: throughput >= 0.97
    },
    {
      goal: `${at}: p99 ≤ 1.10× the baseline's`,
      measured: `${number(p99, 2)}× (${number(ours.p99Ms)} ms against ${number(theirs.p99Ms)})`,
      met: p99 <= 1.1
    },
    { goal: `${at}: zero errors`, measured: number(ours.errors), met: ours.errors === 0 },
    {
      goal: `${at}: ≤ 30 KB resident memory per request in flight`,
      measured: `${number(ours.rssPerRequestKb, 1)} KB (the baseline's ${number(theirs.rssPerRequestKb, 1)})`,
      met: ours.rssPerRequestKb <= 30
    },
    {
      goal: '/sync at 100 connections: ≥ 70 % of the baseline\'s req/s',
      measured: `${number(sync * 100, 1)} % ` +
        `(${number(service.sync.requestsPerSecond)} against ${number(baseline.sync.requestsPerSecond)})`,
      met: sync >= 0.7
    },
    {
      goal: 'start to first answer ≤ 1.5× the baseline\'s',
      measured: `${number(startup, 2)}× (${number(service.startupMs)} ms against ${number(baseline.startupMs)})`,
      met: startup <= 1.5
    }
  ]
}

/** The targets not met, as a line that says so first in the report (and on stderr), or nothing when all are. */
export function belowGoal (list: Verdict[]): string | undefined {
  const missed = list.filter((verdict) => !verdict.met)
  if (missed.length === 0) return undefined
  return `**Below goal: ${number(missed.length)} of ${number(list.length)} targets.** ` +
    missed.map((verdict) => `${verdict.goal}: ${verdict.measured}`).join('; ') + '.'
}

/** Milliseconds: a decimal under 10, whole above. */
export const ms = (value: number): string => number(value, value < 10 ? 1 : 0)
const times = (ratio: number): string => `${number(ratio, ratio < 10 ? 1 : 0)}×`
const mb = (kb: number): string => number(kb / 1024)

/** GET /fanout, parallel against sequential. */
export function fanoutTable (result: FanoutResult): string {
  const rows = [
    `GET /fanout?calls=${result.calls} at ${number(result.connections)} connections, each call ${result.delayMs} ms ` +
      '(this scenario\'s ROOT_DELAY_MS); sequential is the baseline. Ideal: the calls\' time alone.',
    '',
    '| mode | req/s | ideal req/s | p50 ms | ideal ms | p99 ms | errors | server CPU µs per request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|'
  ]
  for (const mode of ['parallel', 'sequential'] as const) {
    const step = result[mode]
    rows.push(`| ${mode} | ${number(step.requestsPerSecond)} | ${number(step.idealPerSecond)} | ${ms(step.p50Ms)} | ` +
      `${number(step.idealMs)} | ${ms(step.p99Ms)} | ${number(step.errors)} | ${number(step.serverCpuPerRequestUs)} |`)
  }
  rows.push('', `Parallel answers ${times(result.latencyRatio)} sooner than sequential (p50) and serves ` +
    `${times(result.throughputRatio)} its requests per second ` +
    '(wrk counts only the requests answered before it stops, so sequential, a second a request, loses up to one ' +
    'a connection: its ideal req/s shows by how much).')
  return rows.join('\n')
}

/** Clients that leave: the service's CPU and memory step by step, and what /metrics says afterwards. */
export function disconnectTable (result: DisconnectResult): string {
  const left = result.opened
  const rows = [
    `${number(result.clients)} clients ask GET ${result.path} and are held, then all leave at once: ` +
      `${number(result.opened)} connected and sent their request in ${number(result.connectMs)} ms ` +
      `(${number(result.failed)} failed, ${number(result.answered)} answered before leaving), ` +
      `${number(result.heldInFlight)} requests held in flight.`,
    '',
    '| step | service CPU (cores) | RSS MB |',
    '|---|---:|---:|',
    `| idle, before | ${number(result.cpu.idle, 2)} | ${mb(result.rssKb.idle)} |`,
    `| clients connecting | ${number(result.cpu.connecting, 2)} | ${mb(result.rssKb.connecting)} |`,
    `| ${number(result.heldInFlight)} requests held | ${number(result.cpu.held, 2)} | ${mb(result.rssKb.held)} |`,
    `| first second after they left | ${number(result.cpu.leaving, 2)} | ${mb(result.rssKb.leaving)} |`,
    `| last second of the watch after | ${number(result.cpu.after, 2)} | ${mb(result.rssKb.after)} |`,
    '',
    '| check | measured | met |',
    '|---|---:|:---:|',
    `| every request left has its dependency call cancelled | ${number(result.after.cancelled)} cancelled, ` +
      `${number(left)} left | ${result.after.cancelled === left ? 'yes' : '**no**'} |`,
    `| nothing in flight afterwards (/metrics) | ${number(result.after.httpInFlight)} requests, ` +
      `${number(result.after.dependencyInFlight)} dependency calls` +
      `${result.drainedMs === null ? '' : `, ${number(result.drainedMs)} ms after they left`} | ` +
      `${result.after.httpInFlight === 0 && result.after.dependencyInFlight === 0 ? 'yes' : '**no**'} |`,
    `| CPU back to idle (≤ ${IDLE_CPU} cores) within the watch | ` +
      `${result.idleAgainMs === null ? 'not within the watch' : `${number(result.idleAgainMs)} ms after they left`}` +
      ` | ${result.idleAgainMs === null ? '**no**' : 'yes'} |`,
    '',
    `Memory each held request costs: ${number(result.rssPerRequestKb, 1)} KB resident ` +
      '(highest while held, less idle, over requests held); ' +
      `V8's heap in use ${mb(result.heapUsedKb.idle)} MB idle, ${mb(result.heapUsedKb.held)} MB while held, ` +
      `${mb(result.heapUsedKb.after)} MB after.`
  ]
  return rows.join('\n')
}

const CONDITIONS: Record<CpuCondition, string> = {
  idle: 'none',
  pool: 'GET /cpu (worker pool)',
  blocking: 'GET /cpu/blocking (event loop)'
}

/** /sync's latency with no CPU work, with the worker pool busy, with the event loop busy. */
export function cpuBusyTable (result: Exclude<CpuBusyResult, { skipped: string }>, pinned: boolean): string {
  const rows = [
    `GET /sync at ${number(result.connections)} connections, each pausing ${result.pauseMs} ms between its requests, ` +
      `while requests count the primes below ${number(result.n)}, as many at once as the first column says, ` +
      'each followed by the next' +
      `${pinned ? ' (the service, its worker threads too, on one CPU)' : ''}; load shedding off, ` +
      'so that a blocked service makes /sync wait rather than refusing it. A dash: no /sync answered during the load.',
    '',
    '| CPU work meanwhile | /sync p50 ms | /sync p99 ms | p99 against none | /sync req/s | errors | ' +
      'service CPU (cores) | CPU requests done | their mean ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const answered = result.conditions.idle.requests > 0
  for (const condition of ['idle', 'pool', 'blocking'] as const) {
    const step = result.conditions[condition]
    const latency = (value: number): string => step.requests === 0 ? '–' : ms(value)
    const ratio = condition === 'idle'
      ? '1×'
      : step.requests === 0 || !answered ? '–' : times(result.p99Ratio[condition])
    const work = condition === 'idle'
      ? '– | –'
      : `${number(step.cpuTasks)}${step.cpuRefused === 0 ? '' : ` (${number(step.cpuRefused)} refused)`} | ` +
        `${number(step.cpuMeanMs)}`
    const what = condition === 'idle' ? CONDITIONS.idle : `${result.keepers[condition]} × ${CONDITIONS[condition]}`
    rows.push(`| ${what} | ${latency(step.p50Ms)} | ${latency(step.p99Ms)} | ${ratio} | ` +
      `${number(step.requestsPerSecond)} | ${number(step.errors)} | ${number(step.serverCpu, 2)} | ${work} |`)
  }
  return rows.join('\n')
}

/**
 * How the measurement went over its rounds: over one round's `count` messages, or the median of several rounds'
 * figures.
 */
function roundsMeasured (rounds: number, count: number, what: string): string {
  return rounds === 1 ? `over ${number(count)} ${what}s` : `the median of ${rounds} rounds of ${number(count)} ${what}s`
}

/**
 * The live updates' targets: memory per stream, one update to every stream, /sync while they are open; on the
 * service.
 */
export function liveVerdicts (result: LiveResult): Verdict[] {
  const streams = `${number(result.streams)} event streams`
  const { perStream, delivery: { lastP99Ms, missed } } = result.service
  const { open, none, p99Ratio } = result.sync
  const worst = median(result.probes.map((probe) => probe.worstMs))
  const probeFailures = total(result.probes, (probe) => probe.failures.length)
  return [
    {
      goal: `${streams} open: ≤ 16 KB resident memory per stream`,
      measured: `${number(perStream.rssKb, 1)} KB (the baseline's ${number(result.baseline.perStream.rssKb, 1)})`,
      met: perStream.rssKb <= 16
    },
    {
      goal: `one update to ${streams}: the last stream has it within 250 ms, p99 over updates`,
      measured: `${ms(lastP99Ms)} ms, ${roundsMeasured(result.rounds, result.updatesPerRound, 'update')}` +
        `${missed === 0 ? '' : `, ${number(missed)} deliveries missed`}`,
      met: lastP99Ms < 250 && missed === 0
    },
    {
      goal: `/sync p99 under 20 ms while ${streams} are open`,
      measured: `${ms(open.p99Ms)} ms (${times(p99Ratio)} the ${ms(none.p99Ms)} ms with none)`,
      met: open.p99Ms < 20
    },
    {
      goal: `/sync's worst under 50 ms while the updates go out to ${streams}, every answer 200`,
      measured: `${ms(worst)} ms, the median of the rounds' worst` +
        `${probeFailures === 0 ? '' : `, ${number(probeFailures)} failed`}`,
      met: worst < 50 && probeFailures === 0
    }
  ]
}

/** A row of the service's figure beside the baseline's, and their ratio (a dash where the baseline's is 0). */
function beside (what: string, service: number, baseline: number, format: (value: number) => string): string {
  const over = ratio(service, baseline)
  return `| ${what} | ${format(service)} | ${format(baseline)} | ${over === null ? '–' : `${number(over, 2)}×`} |`
}

/** A message's way to its last receiver and to each, and the pairs missed, the service's beside the baseline's. */
function deliveryRows (what: string, receiver: string, service: Delivery, baseline: Delivery): string[] {
  return [
    beside(`${what} to its last ${receiver}, p50 ms`, service.lastP50Ms, baseline.lastP50Ms, ms),
    beside(`${what} to its last ${receiver}, p99 ms`, service.lastP99Ms, baseline.lastP99Ms, ms),
    beside(`${what} to each ${receiver}, p50 ms`, service.p50Ms, baseline.p50Ms, ms),
    beside(`${what} to each ${receiver}, p99 ms`, service.p99Ms, baseline.p99Ms, ms),
    beside(`${what} to any ${receiver}, highest ms`, service.maxMs, baseline.maxMs, ms),
    `| deliveries missed (all rounds) | ${number(service.missed)} | ${number(baseline.missed)} | – |`
  ]
}

/** A figure summed over items (rounds). */
export const total = <Item>(items: Item[], figure: (item: Item) => number): number =>
  items.reduce((sum, item) => sum + figure(item), 0)

/** A figure of each round, as a list. */
export const eachRound = <Round>(rounds: Round[], figure: (round: Round) => number, digits = 0): string =>
  rounds.map((round) => number(figure(round), digits)).join(', ')

/**
 * The resident memory each connection added, round by round, and V8's heap where the server says it (the
 * service's).
 */
function memoryRounds (rounds: Memory[]): string {
  const heap = rounds.every(({ heapUsedKb }) => heapUsedKb !== undefined)
    ? ' (V8\'s heap in use, garbage not yet collected included: ' +
      `${eachRound(rounds, ({ heapUsedKb }) => heapUsedKb as number, 1)} KB)`
    : ''
  return `${eachRound(rounds, ({ rssKb }) => rssKb, 1)} KB${heap}`
}

/** How the service and its baseline took turns, and how the figures were drawn from the rounds. */
function turns (rounds: number, count: number, what: string, per: string): string {
  return rounds === 1
    ? `A fresh process of each, ${number(count)} ${what}s measured on each. `
    : `The two take turns for ${rounds} rounds, a fresh process of each every round, ${number(count)} ${what}s ` +
      'measured in each; a figure is the median of the rounds\', but the highest and the deliveries missed, ' +
      'over all of them, and memory, that of the round whose resident ' +
      `memory per ${per} is the median. `
}

/**
 * Live updates: the service's memory per stream and an update's way to every stream beside its baseline's; /sync with
 * the streams open and without; the targets.
 */
export function liveTable (result: LiveResult, verdictList: Verdict[]): string {
  const { service, baseline } = result
  const opened = (target: LiveTarget): string =>
    `${eachRound(target.rounds, (round) => round.opened)} in ${eachRound(target.rounds, (round) => round.connectMs)} ms`
  const both = [...service.rounds, ...baseline.rounds]
  const sync = (what: string, step: LoadResult): string =>
    `| ${what} | ${ms(step.p50Ms)} | ${ms(step.p99Ms)} | ${number(step.requests)} | ${number(step.errors)} |`
  const metrics = service.rounds.flatMap((round) => round.metrics === undefined ? [] : [round.metrics])
  const rows = [
    `${number(result.streams)} event streams (GET /events) from one client process over raw sockets, ` +
      `an update every ${number(result.intervalMs)} ms, ` +
      `on the service (LIVE_CALL_LATENCY_MS ${result.callLatencyMs}) and on its baseline: ` +
      'bare Fastify with no plugin (bench/servers/baseline-events.mjs), ' +
      'each response hijacked, its head written with `writeHead`, kept in a Set, ' +
      'and each update written to all of them in one loop. ' +
      turns(result.rounds, result.updatesPerRound, 'update', 'stream') +
      `Streams opened, round by round: the service's ${opened(service)} ` +
      `(${eachRound(metrics, ({ streamsOpen }) => streamsOpen)} counted open by it), ` +
      `the baseline's ${opened(baseline)}; ${number(total(both, (round) => round.failed))} failed, ` +
      `${number(total(both, (round) => round.refused))} refused. ` +
      'An update\'s delivery runs from its `at` (the server\'s clock as it publishes, to the ms) ' +
      'to each stream\'s receipt (the client\'s clock, on the same machine); ' +
      'the client reads its streams one after another, so the last one\'s time includes the reading of the others.',
    '',
    '| measured | service | baseline | service ÷ baseline |',
    '|---|---:|---:|---:|',
    beside(
      'resident memory per open stream, KB',
      service.perStream.rssKb,
      baseline.perStream.rssKb,
      (kb) => number(kb, 1)
    ),
    ...deliveryRows('an update', 'stream', service.delivery, baseline.delivery),
    beside(
      'processor time per update (the service\'s heartbeats included), ms',
      service.cpuPerUpdateMs,
      baseline.cpuPerUpdateMs,
      ms
    ),
    '',
    'Memory per stream, round by round: ' +
      `the service's ${memoryRounds(service.rounds.map(({ perStream }) => perStream))}; ` +
      `the baseline's ${memoryRounds(baseline.rounds.map(({ perStream }) => perStream))}. ` +
      'Streams closed by the server: the service\'s ' +
      `${number(total(service.rounds, (round) => round.closedByServer))} ` +
      `(dropped for reading too slowly: ${number(total(metrics, ({ dropped }) => dropped))}), ` +
      `the baseline's ${number(total(baseline.rounds, (round) => round.closedByServer))}.`,
    '',
    `/sync on the service in its last round, ${number(result.sync.open.connections)} connections, ` +
      `each pausing ${number(result.sync.pauseMs)} ms between its requests:`,
    '',
    '| /sync | p50 ms | p99 ms | requests | errors |',
    '|---|---:|---:|---:|---:|',
    sync('no stream open', result.sync.none),
    sync(`${number(result.streams)} streams open`, result.sync.open),
    '',
    '/sync probed while the service\'s updates went out, GET on a new connection every 50 ms from a process of its ' +
      'own (bench/clients/sync-probe.ts), round by round: ' +
      `worst ${eachRound(result.probes, (probe) => probe.worstMs, 1)} ms, ` +
      `p99 ${eachRound(result.probes, (probe) => probe.p99Ms, 1)} ms, ` +
      `of ${eachRound(result.probes, (probe) => probe.requests)} requests; ` +
      `${number(total(result.probes, (probe) => probe.failures.length))} failed.`,
    '',
    verdictTable(verdictList)
  ]
  return rows.join('\n')
}

/**
 * Chat: the service's memory per socket and a message's way to every socket beside its baseline's, and whether every
 * socket got every message.
 */
export function chatTable (result: Exclude<ChatResult, { skipped: string }>): string {
  const { service, baseline } = result
  const { missed } = service.delivery
  const errors = total(service.rounds, (round) => round.errors)
  const closed = total(service.rounds, (round) => round.closedByServer)
  const joined = service.rounds
    .map((round) => round.joinedMs === null ? 'not within a minute' : number(round.joinedMs))
    .join(', ')
  const inRoom = (target: ChatTarget): string =>
    `${eachRound(target.rounds, (round) => round.opened)} in ${eachRound(target.rounds, (round) => round.connectMs)} ms`
  const rows = [
    `${number(result.sockets)} WebSockets (ws) join GET /chat from one client process, ` +
      'on the service and on its baseline: bare Fastify and ' +
      '@fastify/websocket (bench/servers/baseline-chat.mjs), a room that sends each frame to every socket ' +
      'as ws\'s README broadcasts, greeting no one ' +
      `(no history, no presence). ${turns(result.rounds, result.messagesPerRound, 'message', 'socket')}` +
      `In the room, round by round: on the service ${inRoom(service)}, ` +
      `every socket counting everyone online (its presence frames told it every join) after ${joined} ms; ` +
      `on the baseline ${inRoom(baseline)}; ` +
      `${number(total([...service.rounds, ...baseline.rounds], (round) => round.failed))} failed. ` +
      'The messages go one after another, each from another socket; a message\'s delivery runs from its send ' +
      'to each socket\'s receipt, its sender\'s included, on the client\'s clock; ' +
      'the client reads its sockets one after another, so the last one\'s time includes the reading of the others.',
    '',
    '| measured | service | baseline | service ÷ baseline |',
    '|---|---:|---:|---:|',
    beside('resident memory per socket, KB', service.perSocket.rssKb, baseline.perSocket.rssKb, (kb) => number(kb, 1)),
    ...deliveryRows('a message', 'socket', service.delivery, baseline.delivery),
    '',
    'Memory per socket, round by round: ' +
      `the service's ${memoryRounds(service.rounds.map(({ perSocket }) => perSocket))}; ` +
      `the baseline's ${memoryRounds(baseline.rounds.map(({ perSocket }) => perSocket))}.`,
    '',
    '| check (the service) | measured | met |',
    '|---|---:|:---:|',
    `| every socket got every message | ${number(missed)} missed | ${missed === 0 ? 'yes' : '**no**'} |`,
    `| no error frame, no socket closed by the service | ${number(errors)} error frames, ${number(closed)} closed | ` +
      `${errors === 0 && closed === 0 ? 'yes' : '**no**'} |`
  ]
  return rows.join('\n')
}

type Replicas = Exclude<ReplicasResult, { skipped: string }>

/** The replicas' target: a rolling restart under load loses no request. */
export function replicasVerdicts ({ restart }: Replicas): Verdict[] {
  const answered = restart.answered.root + restart.answered.sync
  return [{
    goal: 'a rolling restart of 2 replicas under steady load through nginx: 0 failed requests',
    measured: `${number(restart.failed)} failed, ${number(answered)} answered`,
    met: restart.failed === 0
  }]
}

/** A ratio, or a dash where there is none. */
const over = (value: number | null): string => value === null ? '–' : `${number(value, 2)}×`

/**
 * Replicas: the hop and the second replica on GET / and /sync, the chat over two replicas, the rolling restart; the
 * target.
 */
export function replicasTable (result: Replicas, pinning: BenchResults['pinning'], verdictList: Verdict[]): string {
  const { http, chat, restart } = result
  const setups = Object.keys(SETUPS) as Setup[]
  const load = (setup: Setup, path: string, step: LoadResult): string =>
    `| ${SETUPS[setup]} | ${path} | ${number(step.connections)} | ${number(step.requestsPerSecond)} | ` +
    `${ms(step.p50Ms)} | ${ms(step.p99Ms)} | ${number(step.errors)} | ` +
    `${number(step.loadGeneratorCpu, 2)} | ${number(step.serverCpu, 2)} | ${number(step.serverCpuPerRequestUs)} |`
  const steps = (what: string, figure: Steps): string =>
    `| ${what} | ${over(figure.hop)} | ${over(figure.secondReplica)} | ${over(figure.both)} |`
  const counted = chat.twoReplicas.rounds
    .map(({ counted: each }) => (each ?? []).map((count) => number(count)).join(' + '))
    .join(', ')
  const answered = restart.answered.root + restart.answered.sync
  const httpErrors = total(setups, (setup) => http.setups[setup].root.errors + http.setups[setup].sync.errors)
  const failures = Object.entries(restart.failures)
    .map(([reason, count]) => `${reason}: ${number(count)}`)
    .join('; ')
  const rows = [
    `${result.replicas} replicas of the service sharing one Redis (Debian's redis-server), as compose runs them ` +
      '(REDIS_URL, TRUST_PROXY), behind nginx with the project\'s configuration ' +
      '(deploy/nginx/: http.conf, server.conf, upstream.conf with the replicas\' addresses; ' +
      'a main file as nginx.conf\'s, a worker a core). ' +
      (pinning === null
        ? 'Servers and load generators share the CPUs. '
        : `Redis, the replicas and nginx all run on CPU ${pinning.server}, ` +
          'where the other scenarios run their one server, ' +
          `the load generators on CPU ${pinning.load}: the replicas share the processor time one replica has alone, ` +
          'so a second replica splits the work but adds no CPU to it; ' +
          'the figures show what the hop and the sharing cost, not what a second core would give. ') +
      `GET / at ${number(http.rootConnections)} connections, then GET /sync at ${number(http.syncConnections)}, ` +
      'on one replica directly, on the same replica through nginx (the hop) ' +
      'and through nginx on two (the second replica); ' +
      (http.rounds === 1
        ? 'once each'
        : 'the three take turns ' +
          `for ${http.rounds} rounds on the same processes, the round with the median req/s kept`) +
      '. The servers\' CPU is that of every process serving: Redis, the replicas, nginx (its workers too).',
    '',
    '| setup | path | connections | req/s | p50 ms | p99 ms | errors | wrk CPU | servers\' CPU | ' +
      'servers\' CPU µs per request |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...setups.map((setup) => load(setup, 'GET /', http.setups[setup].root)),
    ...setups.map((setup) => load(setup, 'GET /sync', http.setups[setup].sync)),
    '',
    '| measured | the hop: 1 replica through nginx ÷ direct | the second replica: 2 ÷ 1, through nginx | ' +
      '2 replicas through nginx ÷ 1 direct |',
    '|---|---:|---:|---:|',
    steps('GET / req/s', http.ratios.rootPerSecond),
    steps('GET / p99', http.ratios.rootP99),
    steps('GET / servers\' CPU per request', http.ratios.rootCpuPerRequest),
    steps('GET /sync req/s', http.ratios.syncPerSecond),
    steps('GET /sync p99', http.ratios.syncP99),
    steps('GET /sync servers\' CPU per request', http.ratios.syncCpuPerRequest),
    '',
    `The chat over two replicas: ${number(chat.sockets)} WebSockets (ws, the chat scenario's client) join GET /chat ` +
      'through nginx, which hands them to the replicas in turn ' +
      `(counted in each replica's room, round by round: ${counted}), against one process of the service alone, ` +
      `its room in memory, as in the chat scenario. ${turns(chat.rounds, chat.messagesPerRound, 'message', 'socket')}` +
      'Memory is that of every process serving the room: the replicas\', Redis\'s and nginx\'s. ' +
      'In the room, round by round: on two replicas ' +
      `${eachRound(chat.twoReplicas.rounds, (round) => round.opened)}, ` +
      `on one process ${eachRound(chat.oneProcess.rounds, (round) => round.opened)}; ` +
      `${number(total([...chat.twoReplicas.rounds, ...chat.oneProcess.rounds], (round) => round.failed))} failed.`,
    '',
    '| measured | 2 replicas through nginx | 1 process | 2 replicas ÷ 1 process |',
    '|---|---:|---:|---:|',
    beside(
      'resident memory per socket, KB',
      chat.twoReplicas.perSocket.rssKb,
      chat.oneProcess.perSocket.rssKb,
      (kb) => number(kb, 1)
    ),
    ...deliveryRows('a message', 'socket', chat.twoReplicas.delivery, chat.oneProcess.delivery),
    '',
    `The rolling restart: ${number(restart.connections)} connections (bench/clients/steady-load.ts, undici) ` +
      'ask GET / and GET /sync in turn through nginx, one request at a time each, ' +
      `for ${number(restart.durationS, 1)} s; the replicas stop with SHUTDOWN_DELAY_MS ` +
      `${number(restart.shutdownDelayMs)}. Replica A gets SIGTERM, is started again once it has exited, ` +
      'and once nginx\'s access log shows it answering again, B does the same.',
    '',
    '| replica | exit code | SIGTERM to exit, ms | start to ready, ms | ' +
      'ready to its first answer through nginx, ms | requests answered from its SIGTERM to that answer |',
    '|---|---:|---:|---:|---:|---:|',
    ...restart.replicas.map((replica) =>
      `| ${replica.name} | ${replica.exitCode ?? 'killed'} | ${number(replica.stoppedMs)} | ` +
      `${number(replica.readyMs)} | ${number(replica.backMs)} | ${number(replica.answeredMeanwhile)} |`),
    '',
    '| requests | answered | p50 ms | p99 ms | highest ms |',
    '|---|---:|---:|---:|---:|',
    `| GET / | ${number(restart.answered.root)} | ${ms(restart.latency.root.p50Ms)} | ` +
      `${ms(restart.latency.root.p99Ms)} | ${ms(restart.latency.root.maxMs)} |`,
    `| GET /sync | ${number(restart.answered.sync)} | ${ms(restart.latency.sync.p50Ms)} | ` +
      `${ms(restart.latency.sync.p99Ms)} | ${ms(restart.latency.sync.maxMs)} |`,
    '',
    `${number(answered)} answered, ${number(restart.failed)} failed${restart.failed === 0 ? '' : ` (${failures})`}; ` +
      `nginx moved ${number(restart.retried)} requests from one replica to the other.`,
    '',
    '| check | measured | met |',
    '|---|---:|:---:|',
    `| every request of the loads above answered, through nginx or not | ${number(httpErrors)} errors | ` +
      `${httpErrors === 0 ? 'yes' : '**no**'} |`,
    `| every socket got every message, on two replicas | ${number(chat.twoReplicas.delivery.missed)} missed | ` +
      `${chat.twoReplicas.delivery.missed === 0 ? 'yes' : '**no**'} |`,
    '| each replica stopped gracefully on SIGTERM (exit 0) | ' +
      `${restart.replicas.map(({ name, exitCode }) => `${name}: ${exitCode ?? 'killed'}`).join(', ')} | ` +
      `${restart.replicas.every(({ exitCode }) => exitCode === 0) ? 'yes' : '**no**'} |`,
    '',
    verdictTable(verdictList)
  ]
  return rows.join('\n')
}

export function verdictTable (list: Verdict[]): string {
  return [
    '| target | measured | met |',
    '|---|---:|:---:|',
    ...list.map((verdict) => `| ${verdict.goal} | ${verdict.measured} | ${verdict.met ? 'yes' : '**no**'} |`)
  ].join('\n')
}

/** Throughput and p99 against connections, one line per target, as an SVG document. */
export async function chart (results: BenchResults): Promise<string> {
  const values = results.targets.flatMap((target) => target.ladder.map((step) => ({
    target: target.name,
    connections: step.connections,
    'requests per second': step.requestsPerSecond,
    // No answer, no latency: left out of the p99 panel rather than drawn as 0 ms.
    'p99 latency (ms)': step.requests === 0 ? null : step.p99Ms
  })))
  const panel = (field: string): object => ({
    width: 320,
    height: 240,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'connections', type: 'quantitative', scale: { type: 'log' } },
      y: { field, type: 'quantitative', scale: { type: 'symlog' } },
      color: { field: 'target', type: 'nominal' }
    }
  })
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `GET / (${results.delayMs} ms dependency), ${results.date.slice(0, 10)}, ${results.cores} cores`,
    data: { values },
    hconcat: [panel('requests per second'), panel('p99 latency (ms)')]
  } as TopLevelSpec
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  return view.toSVG()
}
