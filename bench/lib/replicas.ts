// Replicas: the service as compose runs it, two replicas sharing one Redis behind nginx (bench/lib/replica-set.ts),
// with every process of it on the servers' CPU. GET / and GET /sync on one replica directly, on the same replica
// through nginx (the hop), and through nginx on two replicas (the second replica), taking turns; a chat message's way
// to 1,000 sockets that joined through nginx, and so are spread over the two replicas, against one process of the
// service alone; a rolling restart of the two under steady load through nginx (bench/clients/steady-load.ts): every
// request answered.
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatRound, chatScale, compared, overRounds, roomRound, type ChatRatios, type ChatTarget } from './chat.ts'
import { load, type LoadResult } from './load.ts'
import { scrape, value } from './metrics.ts'
import { freePort, startServer, stopServer, treeRssKb, type Running } from './processes.ts'
import { missing, startReplicas, STOP_GRACE_MS, type Proxy, type Replica, type Replicas } from './replica-set.ts'
import {
  measure, middle, percentile, ratio, settle, startClient, takeTurns, type Memory, type Run
} from './scenario.ts'

const STEADY_LOAD = join(import.meta.dirname, '..', 'clients', 'steady-load.ts')
/** GET / (its 1 s dependency) at a few thousand connections: what the hop costs where connections are many. */
export const ROOT_CONNECTIONS = 5000
/** GET /sync, answered at once, at the connections the ladder's overhead uses: what the hop costs per request. */
export const SYNC_CONNECTIONS = 100
/** The rolling restart's steady load through nginx, and how long it lasts at least. */
export const RESTART_CONNECTIONS = 100
export const RESTART_LEAST_S = 20
/** The replicas' settings behind nginx, as compose's: Redis shared, nginx's X-Forwarded-For believed. */
const REPLICA_ENV = { TRUST_PROXY: 'loopback' }
/**
 * SHUTDOWN_DELAY_MS of the replicas restarted: the service's default, as compose runs it; a second in the test's tiny
 * run.
 */
const SHUTDOWN_DELAY_MS = 5000

/** Where the load goes: one replica directly, the same one through nginx, or two through nginx. */
export type Setup = 'oneDirect' | 'oneThroughNginx' | 'twoThroughNginx'
export const SETUPS: Record<Setup, string> = {
  oneDirect: '1 replica, direct',
  oneThroughNginx: '1 replica through nginx',
  twoThroughNginx: '2 replicas through nginx'
}

/**
 * A figure's ratio for each step: the hop (one replica through nginx ÷ directly), the second replica (two ÷ one, both
 * through nginx), and both.
 */
export interface Steps { hop: number | null, secondReplica: number | null, both: number | null }

/** GET / and GET /sync on a setup. */
export interface Loads { root: LoadResult, sync: LoadResult }

export interface ReplicasHttp {
  rootConnections: number
  syncConnections: number
  rounds: number
  /** Each setup's loads, each the round whose req/s is the median. */
  setups: Record<Setup, Loads>
  ratios: {
    rootPerSecond: Steps
    rootP99: Steps
    rootCpuPerRequest: Steps
    syncPerSecond: Steps
    syncP99: Steps
    syncCpuPerRequest: Steps
  }
}

export interface ReplicasChat {
  sockets: number
  rounds: number
  messagesPerRound: number
  /** The service alone, in one process, its room in memory (as the chat scenario measures it). */
  oneProcess: ChatTarget
  /** Two replicas and Redis, the sockets joining through nginx; memory is that of all four processes. */
  twoReplicas: ChatTarget
  /** Two replicas' figure over one process's. */
  ratios: ChatRatios
}

export interface Latency { p50Ms: number, p99Ms: number, maxMs: number }

export interface RollingRestart {
  connections: number
  shutdownDelayMs: number
  /** From the load's start (once steady) to its end. */
  durationS: number
  answered: { root: number, sync: number }
  failed: number
  /** Each reason a request failed ("GET /: status 502"), with how many times. */
  failures: Record<string, number>
  latency: { root: Latency, sync: Latency }
  /** Requests that nginx moved from one replica to the other (two replicas in its access log's line). */
  retried: number
  /**
   * Each replica in turn: its exit code after SIGTERM and how long it took to exit, to be ready again once started,
   * and then to answer a request through nginx; the requests answered from its SIGTERM to that answer.
   */
  replicas: Array<{
    name: string
    exitCode: number | null
    stoppedMs: number
    readyMs: number
    backMs: number
    answeredMeanwhile: number
  }>
}

export type ReplicasResult =
  | { skipped: string }
  | { replicas: number, http: ReplicasHttp, chat: ReplicasChat, restart: RollingRestart }

/** The processes of a setup that serve its requests, and where its requests go. */
interface Serving { port: number, serving: () => Running[] }

/** The ratios of a figure over the three setups. */
function steps (figures: Record<Setup, number>): Steps {
  return {
    hop: ratio(figures.oneThroughNginx, figures.oneDirect),
    secondReplica: ratio(figures.twoThroughNginx, figures.oneThroughNginx),
    both: ratio(figures.twoThroughNginx, figures.oneDirect)
  }
}

/** GET / and GET /sync on each setup, the setups taking turns on the same processes for the run's rounds. */
async function http (run: Run, dir: string): Promise<ReplicasHttp> {
  const rootConnections = run.smoke ? 4 : ROOT_CONNECTIONS
  // As the ladder: enough of GET /'s seconds to count; /sync as long as the run's short loads.
  const rootS = run.smoke ? run.durationS : Math.max(run.durationS, 8)
  const syncS = run.smoke ? 1 : run.durationS
  const set = await startReplicas(run, dir, 2, REPLICA_ENV)
  try {
    const [a, b] = set.replicas as [Replica, Replica]
    const one = await set.proxy([a])
    const two = await set.proxy([a, b])
    const setups: Record<Setup, Serving> = {
      oneDirect: { port: a.target.port, serving: () => [set.redis, a.running] },
      oneThroughNginx: { port: one.port, serving: () => [set.redis, a.running, one.running] },
      twoThroughNginx: { port: two.port, serving: () => [set.redis, a.running, b.running, two.running] }
    }
    const entries = Object.entries(setups) as Array<[Setup, Serving]>
    for (const [setup, { port, serving }] of run.smoke ? [] : entries) {
      console.error(`# replicas: warming up /sync on ${SETUPS[setup]}`)
      await load(`http://127.0.0.1:${port}/sync`, SYNC_CONNECTIONS, 1, serving().map(({ child }) => child.pid as number))
    }
    const turn = (setup: Setup) => async (round: number): Promise<Loads> => {
      const name = SETUPS[setup]
      const { port, serving } = setups[setup]
      console.error(`# replicas: ${name}, GET / at ${rootConnections} connections then /sync at ${SYNC_CONNECTIONS}, ` +
        `round ${round + 1} of ${run.rounds}`)
      const root = await measure({ name, port }, serving(), '/', rootConnections, rootS)
      await settle(run, 1000)
      const sync = await measure({ name, port }, serving(), '/sync', SYNC_CONNECTIONS, syncS)
      await settle(run, 500)
      return { root, sync }
    }
    const turns = await takeTurns(run, {
      oneDirect: turn('oneDirect'),
      oneThroughNginx: turn('oneThroughNginx'),
      twoThroughNginx: turn('twoThroughNginx')
    })
    const median = (setup: Setup): Loads => ({
      root: middle(turns[setup].map(({ root }) => root), (result) => result.requestsPerSecond),
      sync: middle(turns[setup].map(({ sync }) => sync), (result) => result.requestsPerSecond)
    })
    const medians = {
      oneDirect: median('oneDirect'),
      oneThroughNginx: median('oneThroughNginx'),
      twoThroughNginx: median('twoThroughNginx')
    }
    const over = (figure: (loads: Loads) => number): Steps =>
      steps({
        oneDirect: figure(medians.oneDirect),
        oneThroughNginx: figure(medians.oneThroughNginx),
        twoThroughNginx: figure(medians.twoThroughNginx)
      })
    return {
      rootConnections,
      syncConnections: SYNC_CONNECTIONS,
      rounds: run.rounds,
      setups: medians,
      ratios: {
        rootPerSecond: over(({ root }) => root.requestsPerSecond),
        rootP99: over(({ root }) => root.p99Ms),
        rootCpuPerRequest: over(({ root }) => root.serverCpuPerRequestUs),
        syncPerSecond: over(({ sync }) => sync.requestsPerSecond),
        syncP99: over(({ sync }) => sync.p99Ms),
        syncCpuPerRequest: over(({ sync }) => sync.serverCpuPerRequestUs)
      }
    }
  } finally {
    await set.stop()
  }
}

/** Resident memory of every process of a set, together (V8's heap is the replicas' alone: left out). */
const setMemory = (set: Replicas): Memory => ({
  rssKb: set.serving().reduce((total, { child }) => total + treeRssKb(child.pid as number), 0)
})

/**
 * The chat's sockets in one process of the service alone, and in two replicas sharing Redis, joining through nginx
 * (which hands them to the two in turn), taking turns; fresh processes every round.
 */
async function chat (run: Run, dir: string): Promise<ReplicasChat> {
  const scale = chatScale(run)
  const turns = await takeTurns(run, {
    oneProcess: async (round) => await chatRound(run, scale, run.service(await freePort()), round, true),
    twoReplicas: async (round) => {
      const folder = join(dir, `chat-${round + 1}`)
      await mkdir(folder)
      const set = await startReplicas(run, folder, 2, REPLICA_ENV)
      try {
        const proxy = await set.proxy()
        const counted = async (): Promise<number[]> =>
          await Promise.all(set.replicas.map(async ({ target }) =>
            value(await scrape(target.port), 'chat_connections_open')))
        return await roomRound(run, scale, {
          name: '2 replicas through nginx',
          port: proxy.port,
          plain: false,
          memory: async () => setMemory(set),
          counted
        }, round)
      } finally {
        await set.stop()
      }
    }
  })
  const oneProcess = overRounds(turns.oneProcess)
  const twoReplicas = overRounds(turns.twoReplicas)
  return { ...compared(run, scale, twoReplicas, oneProcess), oneProcess, twoReplicas }
}

/** Now, on the clock the load's client reports its answers on: ms since the epoch. */
const now = (): number => performance.timeOrigin + performance.now()

/** Steady load before the first stop and after the last replica is back, so that the restart falls well within it. */
const AROUND_MS = 2000

/** What the steady load's client reports once stopped. */
interface Stopped {
  answers: Record<'/' | '/sync', { at: number[], ms: number[] }>
  failures: Array<{ path: string, at: number, reason: string }>
}

type Restarted = Omit<RollingRestart['replicas'][number], 'answeredMeanwhile'> & {
  /** When it was out, on the load client's clock: from its SIGTERM until it answered through nginx again. */
  out: { from: number, until: number }
}

/**
 * The moment nginx's access log first shows, among the lines written after the first `from` of them, an answer from
 * `replica`: a request it served through nginx. Asked every 20 ms, for 30 s at most.
 */
async function servedThrough (proxy: Proxy, replica: Replica, from: number): Promise<number> {
  const address = `127.0.0.1:${replica.target.port}`
  for (const until = performance.now() + 30_000; performance.now() < until; await sleep(20)) {
    const answered = (await proxy.accessLog()).slice(from).some(({ upstream, upstream_status: status }) =>
      upstream.split(', ').at(-1) === address && status.split(', ').at(-1) === '200')
    if (answered) return now()
  }
  throw new Error(`replica ${replica.name} served no request through nginx within 30 s of being ready again`)
}

/** SIGTERM to `replica`; once it has exited, its start again on the same port, until nginx sends it requests again. */
async function restartOne (replica: Replica, proxy: Proxy): Promise<Restarted> {
  const signalled = now()
  await stopServer(replica.running, STOP_GRACE_MS)
  const exited = now()
  const { exitCode } = replica.running.child
  const linesBefore = (await proxy.accessLog()).length
  replica.running = await startServer(replica.target, '/ready')
  const ready = now()
  const back = await servedThrough(proxy, replica, linesBefore)
  console.error(`# replicas: ${replica.name} exited (${exitCode}) ` +
    `${Math.round(exited - signalled)} ms after SIGTERM, ` +
    `ready ${Math.round(ready - exited)} ms after its start, served through nginx ${Math.round(back - ready)} ms later`)
  return {
    name: replica.name,
    exitCode,
    stoppedMs: exited - signalled,
    readyMs: ready - exited,
    backMs: back - ready,
    out: { from: signalled, until: back }
  }
}

/**
 * A rolling restart under steady load through nginx: replica A restarted, then B. The load runs from before the first
 * stop until some time after the last replica is back (at least RESTART_LEAST_S in all, but in the test's tiny run).
 */
async function restart (run: Run, dir: string): Promise<RollingRestart> {
  const connections = run.smoke ? 10 : RESTART_CONNECTIONS
  const shutdownDelayMs = run.smoke ? 1000 : SHUTDOWN_DELAY_MS
  const set = await startReplicas(run, dir, 2, { ...REPLICA_ENV, SHUTDOWN_DELAY_MS: String(shutdownDelayMs) })
  try {
    const proxy = await set.proxy()
    const steadyLoad = startClient(STEADY_LOAD, [proxy.port, connections])
    try {
      await steadyLoad.next()
      const started = now()
      console.error(`# replicas: rolling restart under ${connections} connections of steady load through nginx`)
      if (!run.smoke) await sleep(AROUND_MS)
      const restarted: Restarted[] = []
      for (const replica of set.replicas) restarted.push(await restartOne(replica, proxy))
      if (!run.smoke) await sleep(Math.max(AROUND_MS, started + RESTART_LEAST_S * 1000 - now()))
      steadyLoad.cue()
      const { answers, failures } = await steadyLoad.next<Stopped>()
      const durationS = (now() - started) / 1000
      const answeredAt = [...answers['/'].at, ...answers['/sync'].at]
      const latency = ({ ms }: { ms: number[] }): Latency => ({
        p50Ms: percentile(ms, 0.5),
        p99Ms: percentile(ms, 0.99),
        maxMs: Math.max(0, ...ms)
      })
      const reasons: Record<string, number> = {}
      for (const { path, reason } of failures) {
        reasons[`GET ${path}: ${reason}`] = (reasons[`GET ${path}: ${reason}`] ?? 0) + 1
      }
      return {
        connections,
        shutdownDelayMs,
        durationS,
        answered: { root: answers['/'].at.length, sync: answers['/sync'].at.length },
        failed: failures.length,
        failures: reasons,
        latency: { root: latency(answers['/']), sync: latency(answers['/sync']) },
        retried: (await proxy.accessLog()).filter(({ upstream }) => upstream.includes(',')).length,
        replicas: restarted.map(({ out, ...figures }) => ({
          ...figures,
          answeredMeanwhile: answeredAt.filter((at) => at >= out.from && at <= out.until).length
        }))
      }
    } finally {
      await steadyLoad.stop()
    }
  } finally {
    await set.stop()
  }
}

export async function replicas (run: Run): Promise<ReplicasResult> {
  const reason = missing()
  if (reason !== undefined) return { skipped: reason }
  // Redis's and nginx's files; removed at the end, and at the harness's exit should it stop on the way.
  const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-'))
  const remove = (): void => { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) }
  process.once('exit', remove)
  try {
    const folder = async (name: string): Promise<string> => {
      await mkdir(join(dir, name))
      return join(dir, name)
    }
    const httpResult = await http(run, await folder('http'))
    const chatResult = await chat(run, await folder('chat'))
    const restartResult = await restart(run, await folder('restart'))
    return { replicas: 2, http: httpResult, chat: chatResult, restart: restartResult }
  } finally {
    process.removeListener('exit', remove)
    remove()
  }
}
