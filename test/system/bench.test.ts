// The benchmark harness at tiny scale, so that it cannot rot: it runs end to end and writes results of the right shape.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Delivery } from '../../bench/lib/scenario.ts'

const ROOT = join(import.meta.dirname, '..', '..')

// The file's own timeout (tap's default is 30 s for a whole file): the run takes some 30 s alone, and several times
// that on a busy machine running the other test files alongside.
t.setTimeout(5 * 60_000)

/** Waits up to `ms` for the child process `pid` to end: gone, or a zombie (ended, but not yet reaped by this one). */
function waitForEnd (pid: number, ms: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (const deadline = Date.now() + ms; Date.now() < deadline; Atomics.wait(pause, 0, 0, 20)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (stat[stat.lastIndexOf(')') + 2] === 'Z') return
    } catch {
      return
    }
  }
}

/**
 * How far below 0 a delivery's time may come: an update's is the client's clock less the server's, two processes each
 * reading the wall clock, at tiny scale a fraction of a millisecond either way.
 */
const CLOCK_SKEW_MS = 2

/** A delivery's figures: none missed, in order (p50 ≤ p99 ≤ highest), and the highest that of the slowest message. */
function checkDelivery (t: Test, delivery: Delivery, messages: Array<{ lastMs: number }>): void {
  t.match(delivery, { p50Ms: Number, p99Ms: Number, maxMs: Number, lastP50Ms: Number, lastP99Ms: Number, missed: 0 })
  const { p50Ms, p99Ms, maxMs, lastP50Ms, lastP99Ms } = delivery
  t.ok(p50Ms >= -CLOCK_SKEW_MS && p50Ms <= p99Ms && p99Ms <= maxMs && lastP50Ms <= lastP99Ms && lastP99Ms <= maxMs,
    `delivery in order: ${JSON.stringify(delivery)}`)
  t.equal(maxMs, Math.max(...messages.map(({ lastMs }) => lastMs)), 'the highest is the slowest message\'s last')
}

t.test(
  'npm run bench at tiny scale measures the service and the baseline, ' +
    'runs the service\'s scenarios and reports on its targets',
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'bench-'))
    // Its own process group, so that stopping it stops its build too. It stops the servers it started on SIGTERM, and
    // exits when this process ends, even killed outright, as the IPC channel then closes.
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'run.ts'),
      '--connections', '2,4', '--duration', '2', '--startups', '1', '--no-peers', '--smoke', '--out', out],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true })
    // Synchronous, as a timed-out file is killed right after its teardowns start; at a normal end, the harness is gone.
    // A harness told to stop may still write for a moment (it handles the signal between two steps, one of which is
    // the build), so the folder goes once the harness has.
    const cleanUp = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-(child.pid as number), 'SIGTERM')
        waitForEnd(child.pid as number, 2000)
      }
      rmSync(out, { recursive: true, force: true })
    }
    t.teardown(cleanUp)
    process.once('exit', cleanUp)
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    // 'close', not 'exit': only then has all of its output been read.
    const [code] = await once(child, 'close')
    t.equal(code, 0, stderr)

    const results = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))
    t.match(results, {
      cores: Number, node: process.version, quick: true, delayMs: 1000, missingPeers: ['peers: left out (--no-peers)']
    })
    t.equal(results.loadAverage.start.length, 3, 'the load average at the start, over 1, 5 and 15 min')
    t.equal(results.loadAverage.end.length, 3, 'and at the end')
    t.same(results.targets.map((target: { name: string }) => target.name), ['service', 'baseline'])
    for (const target of results.targets) {
      t.match(target, {
        startupMs: Number,
        idleRssKb: Number,
        sync: { connections: 100, requestsPerSecond: Number, p99Ms: Number, errors: 0 }
      })
      t.ok(target.startupMs > 0 && target.idleRssKb > 0 && target.sync.requests > 0,
        `${target.name} measured something`)
      // A second of /sync at 100 connections costs the server far more than the 10 ms that /proc counts in.
      t.ok(target.sync.serverCpu > 0, `${target.name}'s CPU on /sync measured (${target.sync.serverCpu})`)
      t.ok(target.sync.serverCpuPerRequestUs > 0 && target.sync.serverCpuPerRequestUs < 10_000,
        `and per request (${target.sync.serverCpuPerRequestUs} µs)`)
      t.same(target.ladder.map((step: { connections: number }) => step.connections), [2, 4])
      for (const step of target.ladder) {
        t.match(step, {
          requests: Number,
          requestsPerSecond: Number,
          idealPerSecond: step.connections,
          p50Ms: Number,
          p99Ms: Number,
          errors: 0,
          rssPerRequestKb: Number
        })
        t.ok(step.p50Ms >= 1000, `${target.name} at ${step.connections}: / waited its second (${step.p50Ms} ms)`)
      }
      // Shares of one core (wrk runs one thread, the servers one CPU), not clock ticks or percents.
      for (const { loadGeneratorCpu, serverCpu } of [...target.ladder, target.sync]) {
        t.ok(loadGeneratorCpu >= 0 && loadGeneratorCpu < 1.5 && serverCpu >= 0 && serverCpu < 1.5,
          `${target.name}: wrk used ${loadGeneratorCpu}, the server ${serverCpu} cores`)
      }
    }
    t.ok(results.accessLogBytes > 1000, `the service wrote its access log under load (${results.accessLogBytes} bytes)`)
    t.equal(results.verdicts.length, 22,
      'the ladder\'s six targets, the live updates\' four, the abuse\'s seven, the database\'s four, then the ' +
      'replicas\' one')
    for (const verdict of results.verdicts) t.match(verdict, { goal: String, measured: String, met: Boolean })

    // Fan-out: ten calls of 100 ms, all at once against one after another (the baseline).
    const { fanout } = results
    t.match(fanout, { calls: 10, delayMs: 100, connections: 2, latencyRatio: Number, throughputRatio: Number })
    t.match(fanout.parallel, {
      idealMs: 100,
      idealPerSecond: 20,
      errors: 0,
      requestsPerSecond: Number,
      p50Ms: Number,
      p99Ms: Number,
      serverCpuPerRequestUs: Number
    })
    t.match(fanout.sequential, {
      idealMs: 1000,
      idealPerSecond: 2,
      errors: 0,
      requestsPerSecond: Number,
      p50Ms: Number,
      p99Ms: Number,
      serverCpuPerRequestUs: Number
    })
    t.ok(fanout.parallel.requests > 0 && fanout.sequential.requests > 0, 'both modes answered')
    t.ok(fanout.parallel.p50Ms >= 100 && fanout.parallel.p50Ms < 1000,
      `parallel took about one call's time (${fanout.parallel.p50Ms} ms)`)
    t.ok(fanout.sequential.p50Ms >= 1000, `sequential took ten calls' time (${fanout.sequential.p50Ms} ms)`)
    t.ok(fanout.latencyRatio > 2, `parallel answered sooner (${fanout.latencyRatio}×)`)

    // Clients that leave, 50 of them at this scale: every call cancelled, nothing left in flight.
    const { disconnects } = results
    t.match(disconnects, {
      clients: 50,
      path: '/wait?seconds=30',
      opened: 50,
      failed: 0,
      answered: 0,
      closedByServer: 0,
      connectMs: Number,
      heldInFlight: 50,
      after: { cancelled: 50, dependencyInFlight: 0, httpInFlight: 0 },
      rssPerRequestKb: Number,
      heapUsedKb: { idle: Number, held: Number, after: Number }
    })
    for (const figures of [disconnects.cpu, disconnects.rssKb]) {
      t.same(Object.keys(figures), ['idle', 'connecting', 'held', 'leaving', 'after'])
      for (const figure of Object.values(figures)) {
        t.ok(typeof figure === 'number' && figure >= 0, `a figure per step (${figure})`)
      }
    }
    t.ok(disconnects.rssKb.idle > 0 && disconnects.cpu.idle < 1.5, 'resident memory in KB, CPU in cores')
    t.ok(typeof disconnects.drainedMs === 'number', `drained within the watch (${disconnects.drainedMs} ms)`)
    t.ok(disconnects.idleAgainMs === null || disconnects.idleAgainMs >= 0,
      `CPU back to idle: ${disconnects.idleAgainMs} ms`)

    // /sync while the CPU is busy: measured once the service has GET /cpu, said to be skipped until then.
    const { cpuBusy } = results
    if ('skipped' in cpuBusy) {
      t.match(cpuBusy.skipped, /GET \/cpu\b/)
    } else {
      t.match(cpuBusy, {
        n: 100_000,
        keepers: { pool: 2, blocking: 1 },
        connections: 2,
        pauseMs: 10,
        p99Ratio: { pool: Number, blocking: Number }
      })
      t.same(Object.keys(cpuBusy.conditions), ['idle', 'pool', 'blocking'])
      for (const [condition, step] of Object.entries(cpuBusy.conditions) as Array<[
        string, { requests: number, errors: number, cpuTasks: number }
      ]>) {
        t.match(step, {
          p50Ms: Number,
          p99Ms: Number,
          errors: 0,
          serverCpuPerRequestUs: Number,
          cpuTasks: Number,
          cpuRefused: 0,
          cpuMeanMs: Number
        })
        t.ok(step.requests > 0, `/sync answered with the CPU ${condition}`)
        t.equal(step.cpuTasks > 0, condition !== 'idle',
          `CPU requests ran only while busy (${condition}: ${step.cpuTasks})`)
      }
    }

    // Live updates, 50 streams at this scale, on the service and on its baseline: every stream got every update, and
    // each figure is one.
    const { live } = results
    t.match(live, {
      streams: 50,
      intervalMs: 100,
      callLatencyMs: 0,
      rounds: 1,
      updatesPerRound: 5,
      sync: { pauseMs: 10, open: { connections: 2, errors: 0 }, none: { connections: 2, errors: 0 }, p99Ratio: Number }
    })
    for (const name of ['service', 'baseline'] as const) {
      const target = live[name]
      t.equal(target.rounds.length, 1, `${name}: one round`)
      const [round] = target.rounds
      t.match(round, {
        opened: 50,
        failed: 0,
        refused: 0,
        connectMs: Number,
        cpuPerUpdateMs: Number,
        closedByServer: 0,
        perStream: { rssKb: Number }
      })
      t.same(target.perStream, round.perStream, `${name}: the memory per stream of its one round`)
      t.same(target.delivery, round.delivery, `${name}: the delivery of its one round`)
      for (const memory of [round.memory.idle, round.memory.open]) {
        t.ok(memory.rssKb > 0, `${name}: memory measured (${JSON.stringify(memory)})`)
      }
      t.same(round.updates.map((update: { seq: number }) => update.seq - round.updates[0].seq), [0, 1, 2, 3, 4],
        `${name}: five updates in a row`)
      t.same(round.updates.map((update: { received: number }) => update.received), [50, 50, 50, 50, 50],
        `${name}: each reached every stream`)
      checkDelivery(t, target.delivery, round.updates)
      // Counted in clock ticks of 10 ms: the baseline's few writes to 50 streams may take none.
      t.ok(target.cpuPerUpdateMs >= 0, `${name}: processor time per update (${target.cpuPerUpdateMs} ms)`)
    }
    // Only the service has /metrics: its heap, the streams it counted open, those it dropped.
    t.match(live.service.rounds[0], {
      metrics: { streamsOpen: 50, dropped: 0 },
      memory: { idle: { heapUsedKb: Number }, open: { heapUsedKb: Number } },
      perStream: { heapUsedKb: Number }
    })
    t.notOk('metrics' in live.baseline.rounds[0] || 'heapUsedKb' in live.baseline.perStream,
      'the baseline has no /metrics')
    t.same(Object.keys(live.ratios), ['rssPerStream', 'lastP50', 'lastP99', 'cpuPerUpdate'])
    t.equal(live.ratios.lastP99, live.service.delivery.lastP99Ms / live.baseline.delivery.lastP99Ms,
      'a ratio is the service\'s figure over the baseline\'s')
    t.ok(live.sync.open.requests > 0 && live.sync.none.requests > 0 && live.sync.p99Ratio > 0,
      '/sync answered with the streams open and without')
    t.equal(live.probes.length, 1, '/sync probed in each of the service\'s rounds')
    t.match(live.probes[0], { requests: Number, failures: [], p50Ms: Number, p99Ms: Number, worstMs: Number })
    t.ok(live.probes[0].requests > 0 && live.probes[0].worstMs > 0, 'while the updates went out')

    // Chat, 20 sockets at this scale on the service and on its baseline: measured once the service has GET /chat, said
    // to be skipped until then.
    const { chat } = results
    if ('skipped' in chat) {
      t.match(chat.skipped, /GET \/chat\b/)
    } else {
      t.match(chat, { sockets: 20, rounds: 1, messagesPerRound: 5 })
      t.equal(chat.ratios.lastP99, chat.service.delivery.lastP99Ms / chat.baseline.delivery.lastP99Ms,
        'a ratio is the service\'s figure over the baseline\'s')
      for (const name of ['service', 'baseline'] as const) {
        const target = chat[name]
        t.equal(target.rounds.length, 1, `${name}: one round`)
        const [round] = target.rounds
        t.match(round, {
          opened: 20,
          failed: 0,
          connectMs: Number,
          joinedMs: Number,
          perSocket: { rssKb: Number },
          closedByServer: 0,
          errors: 0
        })
        for (const memory of [round.memory.idle, round.memory.open]) {
          t.ok(memory.rssKb > 0, `${name}: memory measured (${JSON.stringify(memory)})`)
        }
        t.equal(new Set(round.messages.map((message: { from: string }) => message.from)).size, 5,
          `${name}: five messages, each from another socket`)
        t.same(round.messages.map((message: { received: number }) => message.received), [20, 20, 20, 20, 20],
          `${name}: each reached every socket`)
        checkDelivery(t, target.delivery, round.messages)
      }
      t.match(chat.service.perSocket, { heapUsedKb: Number })
    }

    // Abuse, at this scale: 50 sockets join beside 3 already in the room, on the service and on its baseline; 10
    // sockets send 5 messages each at once, with the room's rate and without; one client opens 30 sockets against the
    // caps as shipped: 20 get in, 10 are refused with 429. /sync is probed throughout.
    const { abuse } = results
    t.match(abuse, { rounds: 1, storm: { sockets: 50, watchers: 3 }, burst: { sockets: 10, messages: 5 } })
    const probed = { requests: Number, failures: [], p50Ms: Number, p99Ms: Number, worstMs: Number }
    for (const name of ['service', 'baseline'] as const) {
      t.equal(abuse.storm[name].length, 1, `the storm on the ${name}: one round`)
      t.match(abuse.storm[name][0], {
        opened: 50,
        refused: {},
        failed: 0,
        closedByServer: 0,
        joinedMs: Number,
        watch: { watchers: 3, lost: 0, reordered: 0 },
        sync: probed
      }, `the storm on the ${name}: all in, nothing lost among those already in, /sync answered`)
      t.ok(abuse.storm[name][0].watch.sent > 0 && abuse.storm[name][0].sync.requests > 0,
        `${name}: messages sent and /sync asked during the storm`)
    }
    t.equal(abuse.storm.joinedMs.ratio, abuse.storm.joinedMs.service / abuse.storm.joinedMs.baseline,
      'a ratio is the service\'s figure over the baseline\'s')
    for (const name of ['roomRate', 'noRoomRate'] as const) {
      t.match(abuse.burst[name], [{ sockets: 10, sent: 50, partial: 0, lost: 0, reordered: 0, sync: probed }])
      t.equal(abuse.burst[name][0].delivered + abuse.burst[name][0].refused, 50,
        `the burst (${name}): every message delivered or refused`)
    }
    t.match(abuse.capped, { sockets: 30, rounds: [{ opened: 19, refused: { 429: 10 }, failed: 0, sync: probed }] })

    // The database, at this scale: / at 20 connections with a pool of 20, through PostgreSQL and the simulator; 30
    // clients that ask for ten seconds and leave: their queries stopped on the server.
    const { database } = results
    t.notOk('skipped' in database, `the database measured (${database.skipped}: npm test installs postgresql)`)
    t.match(database, { connections: 20, poolSize: 20, durationS: 2 })
    for (const name of ['postgres', 'simulator'] as const) {
      t.match(database[name], [{ requests: Number, okPerSecond: Number, refused: 0, p50Ms: Number, p99Ms: Number }],
        `${name}: every request answered 200`)
      t.ok(database[name][0].okPerSecond > 0)
    }
    t.ok(database.postgres[0].backends > 0 && database.postgres[0].backends <= 20,
      `PostgreSQL counted the service's connections, at most the pool's (${database.postgres[0].backends})`)
    t.equal(database.simulator[0].backends, null)
    t.match(database.leaving, { clients: 30, path: '/wait?seconds=10', leaveAfterMs: 100, countedAfterMs: 500 })
    t.match(database.leaving.rounds, [{ runningAtLeave: 20, runningAfter: 0, stoppedMs: Number }],
      'the pool\'s 20 queries running when they left, none 500 ms later')

    // Replicas, at this scale: GET / at 4 connections and /sync at 100 on one replica directly, on it through nginx and
    // on two through nginx; the chat's 20 sockets over two replicas; a rolling restart under 10 connections that loses
    // nothing.
    const { replicas } = results
    t.notOk('skipped' in replicas, `replicas measured (${replicas.skipped}: npm test installs redis-server and nginx)`)
    t.match(replicas, {
      replicas: 2,
      http: { rootConnections: 4, syncConnections: 100, rounds: 1 },
      chat: { sockets: 20, rounds: 1, messagesPerRound: 5 },
      restart: { connections: 10, shutdownDelayMs: 1000, durationS: Number, failed: 0, retried: Number }
    })
    const { setups, ratios } = replicas.http
    t.same(Object.keys(setups), ['oneDirect', 'oneThroughNginx', 'twoThroughNginx'])
    for (const [setup, { root, sync }] of Object.entries(setups) as Array<[
      string, Record<'root' | 'sync', { requests: number, p50Ms: number, serverCpu: number }>
    ]>) {
      t.match(root,
        { connections: 4, errors: 0, requestsPerSecond: Number, p99Ms: Number, serverCpuPerRequestUs: Number })
      t.ok(root.requests > 0 && root.p50Ms >= 1000, `${setup}: / answered after its second (${root.p50Ms} ms)`)
      t.match(sync,
        { connections: 100, errors: 0, requestsPerSecond: Number, p99Ms: Number, serverCpuPerRequestUs: Number })
      t.ok(sync.requests > 0 && sync.serverCpu > 0,
        `${setup}: /sync answered, the servers' CPU measured (${sync.serverCpu})`)
    }
    for (const figure of Object.values(ratios)) t.same(Object.keys(figure as object), ['hop', 'secondReplica', 'both'])
    t.equal(ratios.syncPerSecond.hop,
      setups.oneThroughNginx.sync.requestsPerSecond / setups.oneDirect.sync.requestsPerSecond,
      'the hop: through nginx over directly')
    t.equal(ratios.rootP99.secondReplica, setups.twoThroughNginx.root.p99Ms / setups.oneThroughNginx.root.p99Ms,
      'the second replica: two over one')
    for (const name of ['oneProcess', 'twoReplicas'] as const) {
      const target = replicas.chat[name]
      t.equal(target.rounds.length, 1, `chat on ${name}: one round`)
      const [round] = target.rounds
      t.match(round, { opened: 20, failed: 0, closedByServer: 0, errors: 0, perSocket: { rssKb: Number } })
      t.same(round.messages.map((message: { received: number }) => message.received), [20, 20, 20, 20, 20],
        `chat on ${name}: each message reached every socket`)
      checkDelivery(t, target.delivery, round.messages)
    }
    const [counted] = replicas.chat.twoReplicas.rounds.map((round: { counted: number[] }) => round.counted)
    t.ok(counted.length === 2 && counted.every((count: number) => count > 0) && counted[0] + counted[1] === 20,
      `the sockets spread over both replicas (${counted})`)
    const { restart } = replicas
    t.ok(restart.answered.root > 0 && restart.answered.sync > 0,
      `the steady load answered (${JSON.stringify(restart.answered)})`)
    t.ok(restart.latency.root.p50Ms >= 1000 && restart.latency.sync.p50Ms <= restart.latency.sync.maxMs,
      `its latencies (${JSON.stringify(restart.latency)})`)
    t.same(restart.replicas.map(({ name, exitCode }: { name: string, exitCode: number }) => `${name} ${exitCode}`),
      ['A 0', 'B 0'], 'A then B stopped gracefully')
    for (const replica of restart.replicas) {
      // Its serving ends at the delay, or sooner once nothing has come for SHUTDOWN_QUIET_MS: no lower bound.
      t.ok(replica.stoppedMs > 0, `${replica.name} stopped, ${replica.stoppedMs} ms after its SIGTERM`)
      t.ok(replica.readyMs > 0 && replica.backMs >= 0, `${replica.name} ready again, then served through nginx`)
      t.ok(replica.answeredMeanwhile > 0,
        `requests answered while ${replica.name} was out (${replica.answeredMeanwhile})`)
    }

    const markdown = await readFile(join(out, 'latest.md'), 'utf8')
    t.equal(stdout.trim(), markdown.trim(), 'prints what it writes')
    t.match(markdown, /\| service \| 4 \|/)
    t.match(markdown, /\| wrk CPU \| server CPU \| server CPU µs per request \|/)
    t.match(markdown, /\| start to first answer ≤ 1\.5× the baseline's \|/)
    const [, belowOrMet] = markdown.split('\n\n')
    const missedGoals = results.verdicts.filter((verdict: { met: boolean }) => !verdict.met)
    t.match(belowOrMet, missedGoals.length === 0
      ? /^Every target met \(22\)\.$/
      : new RegExp(`^\\*\\*Below goal: ${missedGoals.length} of 22 targets\\.\\*\\* `),
    'the report says first which targets were missed')
    t.match(markdown, /^Measured .* load average [\d.]+ [\d.]+ [\d.]+ at the start/)
    t.match(markdown, /\*\*Fan-out\.\*\* GET \/fanout\?calls=10 at 2 connections[\s\S]*\| parallel \|[\s\S]*\| sequential \|/)
    t.match(markdown, /\*\*Clients that leave\.\*\* 50 clients ask GET \/wait\?seconds=30[\s\S]*\| every request left has its dependency call cancelled \| 50 cancelled, 50 left \| yes \|/)
    t.match(markdown, /\*\*Live updates\.\*\* 50 event streams[\s\S]*\| measured \| service \| baseline \| service ÷ baseline \|[\s\S]*\| resident memory per open stream, KB \| -?[\d.,]+ \| -?[\d.,]+ \| (-?[\d.,]+×|–) \|[\s\S]*\| an update to its last stream, p99 ms \|[\s\S]*\| 50 streams open \|[\s\S]*\| \/sync p99 under 20 ms while 50 event streams are open \|[\s\S]*\| \/sync's worst under 50 ms while the updates go out to 50 event streams, every answer 200 \|/)
    t.match(markdown, 'skipped' in chat ? /- not measured: chat: / : /\*\*Chat\.\*\* 20 WebSockets[\s\S]*\| resident memory per socket, KB \| -?[\d.,]+ \| -?[\d.,]+ \| (-?[\d.,]+×|–) \|[\s\S]*\| every socket got every message \| 0 missed \| yes \|/)
    t.match(markdown, /\*\*Abuse\.\*\* [\s\S]*\| service \| 50 \|[\s\S]*\| room rate as shipped \|[\s\S]*\| 20 in, 10 refused \| yes \|/)
    t.match(markdown, /\*\*The database\.\*\* [\s\S]*\| PostgreSQL \| [\d.,]+ \|[\s\S]*\| simulator \| [\d.,]+ \|[\s\S]*\| 1 \| 20 \| 0 \|/)
    t.match(markdown, /\*\*Replicas\.\*\* 2 replicas[\s\S]*\| 2 replicas through nginx \| GET \/sync \| 100 \|[\s\S]*\| the hop: 1 replica through nginx ÷ direct \|[\s\S]*\| a message to its last socket, p99 ms \|[\s\S]*\| B \| 0 \|[\s\S]*\| a rolling restart of 2 replicas under steady load through nginx: 0 failed requests \| 0 failed, [\d,]+ answered \| yes \|/)
    t.match(markdown, 'skipped' in cpuBusy ? /- not measured: \/sync while the CPU is busy: / : /\*\*\/sync while the CPU is busy\.\*\*[\s\S]*\| 1 × GET \/cpu\/blocking \(event loop\) \|/)
    t.match(await readFile(join(out, 'chart.svg'), 'utf8'), /^<svg[\s\S]*service[\s\S]*baseline[\s\S]*<\/svg>$/)
    t.equal(await readFile(join(out, 'service-access.log'), 'utf8'), '', 'the access log is emptied after the run')
  }
)

t.test('without wrk on PATH, the harness stops at once and names the package to install', async (t) => {
  // An empty PATH: the harness itself is found without it.
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'run.ts'), '--smoke'],
    { cwd: ROOT, env: { ...process.env, PATH: '' }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'close')
  t.equal(code, 1)
  t.match(stderr, /^wrk not found: install the Debian package wrk\b/)
})
