// npm run bench: the service against bare Fastify and its peers: concurrency ladder, overhead, memory, start-up; then
// the service's own scenarios: fan-out, clients that leave, /sync while the CPU is busy, live updates and chat (these
// two against bare Fastify doing the same), what one client can do to the chat, the dependency as PostgreSQL, and
// replicas behind nginx, each in bench/lib/.
import { mkdir, stat, truncate, writeFile } from 'node:fs/promises'
import { constants, cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { abuse, STORM_SOCKETS } from './lib/abuse.ts'
import { abuseTable, abuseVerdicts } from './lib/abuse-report.ts'
import { chat, SOCKETS } from './lib/chat.ts'
import { cpuBusy } from './lib/cpu-busy.ts'
import { database } from './lib/database.ts'
import { databaseTable, databaseVerdicts } from './lib/database-report.ts'
import { CLIENTS, disconnects } from './lib/disconnects.ts'
import { fanout } from './lib/fanout.ts'
import { live, STREAMS } from './lib/live.ts'
import { load, wrkFound, type LoadResult } from './lib/load.ts'
import {
  OPEN_FILES, PINNING, freePort, openFileLimit, startServer, stopServer, treeRssKb, type Running
} from './lib/processes.ts'
import { ROOT_CONNECTIONS, replicas } from './lib/replicas.ts'
import {
  chart, chatTable, cpuBusyTable, disconnectTable, fanoutTable, liveTable, liveVerdicts, replicasTable,
  belowGoal, replicasVerdicts, table, verdicts, verdictTable, type BenchResults, type TargetResult
} from './lib/report.ts'
import { measure, median, middle, settle, type Run } from './lib/scenario.ts'
import { baseline, buildService, peers, service, type Target } from './lib/targets.ts'

const ROOT = join(import.meta.dirname, '..')
const DELAY_MS = 1000

if (!wrkFound()) {
  console.error('wrk not found: install the Debian package wrk (apt-get install wrk; npm test installs it), ' +
    'the load generator of these benchmarks')
  process.exit(1)
}

/** The service's own scenarios, which --skip may leave out (comma-separated). */
const SCENARIOS = ['fanout', 'disconnects', 'cpu-busy', 'live', 'chat', 'abuse', 'database', 'replicas'] as const

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string' },
    duration: { type: 'string' },
    startups: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    skip: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' }
  }
})
const skipped = new Set(flags.skip?.split(',').filter(Boolean) ?? [])
for (const name of skipped) {
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    console.error(`--skip: no scenario ${name}; the scenarios are ${SCENARIOS.join(', ')}`)
    process.exit(1)
  }
}

// Full: the ladder up to 10,000 connections. Quick: seconds, for checking the harness. Smoke (the test's, at tiny
// scale): no time for servers to settle or warm up, and /sync, answered at once, loaded for a second only.
const ladder = flags.connections?.split(',').map(Number) ?? (flags.quick ? [10, 100] : [10, 100, 1000, 10_000])
const durationFor = (connections: number): number =>
  flags.duration !== undefined ? Number(flags.duration) : flags.quick ? 2 : connections >= 1000 ? 8 : 3
const syncDuration = flags.smoke ? 1 : durationFor(100)
const ROUNDS = flags.quick || flags.duration !== undefined ? 1 : 3
const startups = Number(flags.startups ?? (flags.quick ? 3 : 5))
// Only a full run, with every default, speaks for the project: it alone writes bench/results/ (which the README
// links to) and dist/ (as production builds it). Any other run keeps all it writes, its build too, in its out folder.
const full = flags.out === undefined && !flags.quick && !flags['no-peers'] && !flags.smoke &&
  [flags.connections, flags.duration, flags.startups, flags.skip].every((flag) => flag === undefined)
// Absolute, as the build runs from the project's folder and the servers from this one.
const outDir = resolve(flags.out ?? join(ROOT, 'bench', 'results', ...(full ? [] : ['quick'])))
const buildDir = full ? join(ROOT, 'dist') : join(outDir, 'dist')

const accessLog = join(outDir, 'service-access.log')
/** The settings the scenarios share; seconds of load for those with short answers: fan-out, /sync while busy. */
const run: Run = {
  smoke: flags.smoke,
  rounds: ROUNDS,
  durationS: flags.duration !== undefined ? Number(flags.duration) : flags.quick ? 2 : 5,
  service: (port, env = {}) => {
    const target = service(port, buildDir, accessLog)
    return { ...target, env: { ...target.env, ...env } }
  }
}

/**
 * Start-up: from spawning the process to its first 200, median of `startups` runs each, the targets taking turns (a
 * fresh process each time), so that a busy moment of the machine falls on all of them alike.
 */
async function startupTimes (targets: Target[]): Promise<number[]> {
  const times: number[][] = targets.map(() => [])
  for (let run = 0; run < startups; run++) {
    for (const [index, target] of targets.entries()) {
      const running = await startServer(target)
      times[index]?.push(running.startupMs)
      await stopServer(running)
    }
  }
  return times.map(median)
}

type Step = TargetResult['ladder'][number]

/** One rung of the ladder: / at `connections`, with the memory each request in flight costs. */
async function rung (target: Target, running: Running, connections: number): Promise<Step> {
  console.error(`# ${target.name}: / at ${connections} connections`)
  const idle = treeRssKb(running.child.pid as number)
  const result = await measure(target, running, '/', connections, durationFor(connections))
  await settle(run, 1000)
  return {
    ...result,
    idealPerSecond: connections / (DELAY_MS / 1000),
    rssPerRequestKb: (result.peakRssKb - idle) / connections
  }
}

/**
 * The top rung for the service and the baseline, on which the targets are judged: they take turns for `ROUNDS`
 * rounds, so that one unlucky burst of 10,000 connects (the kernel drops SYNs past its backlog, and a dropped SYN
 * waits a second or three) does not decide. Each round starts a fresh process, so that no round inherits the
 * sockets still closing or the heap grown by the one before; every figure, memory too, is the median of the rounds.
 */
async function topRung (targets: Target[], connections: number): Promise<Step[]> {
  const runs: Step[][] = targets.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, target] of targets.entries()) {
      console.error(`# ${target.name}: a fresh process for round ${round + 1} of ${ROUNDS}`)
      const running = await startServer(target)
      await settle(run, 500)
      runs[index]?.push(await rung(target, running, connections))
      await stopServer(running)
    }
  }
  return runs.map((steps) => {
    const figures = { ...(steps[0] as Step) }
    for (const key of Object.keys(figures) as Array<keyof Step>) figures[key] = median(steps.map((step) => step[key]))
    return figures
  })
}

/**
 * /sync at 100 connections, every target taking turns for `ROUNDS` rounds (median kept), so that a slow moment
 * of the machine does not fall on one target alone. All servers start afresh (gunicorn's workers may still owe
 * the ladder's queue), are warmed up (but for a smoke run) and stay up, idle but for the one under load.
 */
async function overhead (targets: Target[]): Promise<LoadResult[]> {
  const servers: Array<{ target: Target, running: Running }> = []
  for (const target of targets) servers.push({ target, running: await startServer(target) })
  for (const { target, running } of flags.smoke ? [] : servers) {
    console.error(`# ${target.name}: warming up /sync`)
    await load(`http://127.0.0.1:${target.port}/sync`, 100, 1, running.child.pid as number)
  }
  const rounds: LoadResult[][] = servers.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, { target, running }] of servers.entries()) {
      console.error(`# ${target.name}: /sync at 100 connections, round ${round + 1} of ${ROUNDS}`)
      rounds[index]?.push(await measure(target, running, '/sync', 100, syncDuration))
    }
  }
  await Promise.all(servers.map(async ({ running }) => { await stopServer(running) }))
  return rounds.map((results) => middle(results, (result) => result.requestsPerSecond))
}

// The servers and wrk run in process groups of their own, which only the 'exit' hooks of spawnWithLimit stop:
// a signal, or the end of the parent holding an IPC channel to the harness (the test's), must end in an exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`# ${signal}: stopping the servers and wrk`)
    process.exit(128 + constants.signals[signal])
  })
}
if (process.channel !== undefined) {
  process.once('disconnect', () => process.exit(1))
  // Listening to the channel keeps it open; the harness must still exit once its work is done.
  process.channel.unref()
}

const loadAtStart = loadavg()
/** Connections held open at once by the scenarios that hold many, at full scale; a smoke run holds a few dozen. */
const HELD = { disconnects: CLIENTS, live: STREAMS, chat: SOCKETS, abuse: STORM_SOCKETS, replicas: ROOT_CONNECTIONS }
const held = Object.entries(HELD).map(([name, count]) => skipped.has(name) ? 0 : flags.smoke ? 50 : count)
const needed = Math.max(...ladder, ...held) + 100
const limit = openFileLimit()
if (limit < needed) {
  console.error(`# warning: the hard open-file limit is ${limit}; ${needed} are needed, so the top of the ladder, ` +
    'the clients that leave and the event streams will see errors. Raise it (ulimit -Hn) as root.')
} else {
  console.error(`# open-file limit raised to ${Math.min(OPEN_FILES, limit)} for servers and load generator`)
}
console.error(PINNING === undefined
  ? '# servers and wrk share the CPUs (one core, or no taskset)'
  : `# servers pinned to CPU ${PINNING.server}, wrk to CPU ${PINNING.load}`)

if (!full) console.error(`# not a full run: its results, build and access log go to ${outDir}`)
await mkdir(outDir, { recursive: true })
console.error(`# building the service into ${buildDir}`)
buildService(buildDir)
await writeFile(accessLog, '')
const available = flags['no-peers'] ? { targets: [], missing: ['peers: left out (--no-peers)'] } : peers()
for (const reason of available.missing) console.error(`# peer missing: ${reason}`)

const measured: Array<{ target: Target, startupMs: number, steps: Step[], idleRssKb: number }> = []
const makers = [(port: number) => service(port, buildDir, accessLog), baseline, ...available.targets]
const startupTargets: Target[] = []
for (const make of makers) startupTargets.push(make(await freePort()))
console.error(`# start-up ×${startups}, the targets taking turns: ${startupTargets.map(({ name }) => name).join(', ')}`)
const startupMs = await startupTimes(startupTargets)
const top = ladder.at(-1) as number
for (const [index, make] of makers.entries()) {
  // A port found free now: one found before the loads that came since may have gone to one of their sockets.
  const target = make(await freePort())
  const running = await startServer(target)
  await settle(run, 500)
  const idleRssKb = treeRssKb(running.child.pid as number)
  // The service's and the baseline's top rung comes from the rounds below.
  const rungs = target.own ? ladder.slice(0, -1) : ladder
  const steps: Step[] = []
  for (const connections of rungs) steps.push(await rung(target, running, connections))
  measured.push({ target, startupMs: startupMs[index] as number, idleRssKb, steps })
  await stopServer(running)
}
const own = measured.filter(({ target }) => target.own)
const tops = await topRung(own.map(({ target }) => target), top)
own.forEach((entry, index) => { entry.steps.push(tops[index] as Step) })
const syncResults = await overhead(measured.map(({ target }) => target))
const fanoutResult = skipped.has('fanout') ? undefined : await fanout(run)
const disconnectResult = skipped.has('disconnects') ? undefined : await disconnects(run)
const cpuBusyResult = skipped.has('cpu-busy') ? undefined : await cpuBusy(run)
const liveResult = skipped.has('live') ? undefined : await live(run)
const chatResult = skipped.has('chat') ? undefined : await chat(run)
const abuseResult = skipped.has('abuse') ? undefined : await abuse(run)
const databaseResult = skipped.has('database') ? undefined : await database(run)
const replicasResult = skipped.has('replicas') ? undefined : await replicas(run)
// Proof that the service logged under load; the file itself (hundreds of MB after a full run) is emptied.
const accessLogBytes = (await stat(accessLog)).size
await truncate(accessLog)
const targets: TargetResult[] = measured.map(({ target, startupMs, idleRssKb, steps }, index) => ({
  name: target.name,
  own: target.own,
  startupMs,
  idleRssKb,
  ladder: steps,
  sync: syncResults[index] as LoadResult
}))

const results: BenchResults = {
  date: new Date().toISOString(),
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  quick: !full,
  loadAverage: { start: loadAtStart, end: loadavg() },
  pinning: PINNING ?? null,
  delayMs: DELAY_MS,
  targets,
  ...(fanoutResult === undefined ? {} : { fanout: fanoutResult }),
  ...(disconnectResult === undefined ? {} : { disconnects: disconnectResult }),
  ...(cpuBusyResult === undefined ? {} : { cpuBusy: cpuBusyResult }),
  ...(liveResult === undefined ? {} : { live: liveResult }),
  ...(chatResult === undefined ? {} : { chat: chatResult }),
  ...(abuseResult === undefined ? {} : { abuse: abuseResult }),
  ...(databaseResult === undefined ? {} : { database: databaseResult }),
  ...(replicasResult === undefined ? {} : { replicas: replicasResult }),
  accessLogBytes,
  missingPeers: available.missing
}
const verdictList = verdicts(results)
const liveVerdictList = results.live === undefined ? [] : liveVerdicts(results.live)
const abuseVerdictList = results.abuse === undefined ? [] : abuseVerdicts(results.abuse)
const databaseVerdictList = results.database === undefined || 'skipped' in results.database
  ? []
  : databaseVerdicts(results.database)
const replicasVerdictList = results.replicas === undefined || 'skipped' in results.replicas
  ? []
  : replicasVerdicts(results.replicas)
const allVerdicts = [
  ...verdictList, ...liveVerdictList, ...abuseVerdictList, ...databaseVerdictList, ...replicasVerdictList
]
const missed = belowGoal(allVerdicts)
const loads = (averages: number[]): string => averages.map((average) => average.toFixed(2)).join(' ')
const notMeasured = [
  ...results.missingPeers,
  ...(results.cpuBusy !== undefined && 'skipped' in results.cpuBusy
    ? [`/sync while the CPU is busy: ${results.cpuBusy.skipped}`]
    : []),
  ...(results.chat !== undefined && 'skipped' in results.chat ? [`chat: ${results.chat.skipped}`] : []),
  ...(results.database !== undefined && 'skipped' in results.database
    ? [`the database: ${results.database.skipped}`]
    : []),
  ...(results.replicas !== undefined && 'skipped' in results.replicas ? [`replicas: ${results.replicas.skipped}`] : [])
]
const markdown = [
  `Measured ${results.date.slice(0, 10)} on ${results.cores} cores (${results.cpu}), Node ${results.node}, ` +
    `load average ${loads(results.loadAverage.start)} at the start and ${loads(results.loadAverage.end)} at the end ` +
    '(1, 5, 15 min); ' +
    `GET / awaits a ${DELAY_MS} ms dependency, so the ideal is connections ÷ 1 s.`,
  '',
  missed ?? `Every target met (${allVerdicts.length}).`,
  '',
  table(results),
  '',
  verdictTable(verdictList),
  ...(results.fanout === undefined ? [] : ['', '**Fan-out.** ' + fanoutTable(results.fanout)]),
  ...(results.disconnects === undefined ? [] : ['', '**Clients that leave.** ' + disconnectTable(results.disconnects)]),
  ...(results.cpuBusy === undefined || 'skipped' in results.cpuBusy
    ? []
    : ['', '**/sync while the CPU is busy.** ' + cpuBusyTable(results.cpuBusy, results.pinning !== null)]),
  ...(results.live === undefined ? [] : ['', '**Live updates.** ' + liveTable(results.live, liveVerdictList)]),
  ...(results.chat === undefined || 'skipped' in results.chat ? [] : ['', '**Chat.** ' + chatTable(results.chat)]),
  ...(results.abuse === undefined ? [] : ['', '**Abuse.** ' + abuseTable(results.abuse, abuseVerdictList)]),
  ...(results.database === undefined || 'skipped' in results.database
    ? []
    : ['', '**The database.** ' + databaseTable(results.database, databaseVerdictList)]),
  ...(results.replicas === undefined || 'skipped' in results.replicas
    ? []
    : ['', '**Replicas.** ' + replicasTable(results.replicas, results.pinning, replicasVerdictList)]),
  ...(notMeasured.length === 0 ? [] : ['', ...notMeasured.map((reason) => `- not measured: ${reason}`)])
].join('\n')

// Every target of the run in one list: the ladder's, the live updates', the abuse's, the database's, then the
// replicas'.
await writeFile(
  join(outDir, 'latest.json'),
  JSON.stringify(
    {
      ...results,
      verdicts: allVerdicts
    },
    null,
    2
  ) + '\n'
)
await writeFile(join(outDir, 'latest.md'), markdown + '\n')
await writeFile(join(outDir, 'chart.svg'), await chart(results))
console.log(markdown)
// Said last, where whoever ran it looks: a figure below its goal is a regression, or a goal not reached yet.
if (missed !== undefined) console.error(`# ${missed.replaceAll('**', '')}`)
