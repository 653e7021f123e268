// Drives load with wrk in a process of its own (never the server's), one request at a time per connection.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { PINNING, treeCpuSeconds, treeRssKb, spawnWithLimit } from './processes.ts'

const REPORT_SCRIPT = join(import.meta.dirname, 'wrk-report.lua')
/** Share of a core from which the load generator counts as saturated: the server may have had more to give. */
export const SATURATED_CPU = 0.9

export interface LoadResult {
  connections: number
  durationS: number
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Failed requests: connection errors, timeouts and answers of 400 and above. */
  errors: number
  /** Highest resident memory of the server (all of its processes, where several serve) while under this load, in KB. */
  peakRssKb: number
  /** wrk's processor time over the run's wall time: the share of one core it used. */
  loadGeneratorCpu: number
  /**
   * The server's (and its workers', and the other serving processes') processor time over the same wall time, in cores.
   */
  serverCpu: number
  /** The server's processor time over the requests answered, in µs: on a shared machine, steadier than req/s. */
  serverCpuPerRequestUs: number
}

export interface LoadOptions {
  /**
   * A pause before each connection's next request, in ms: a modest, steady load instead of as fast as the server
   * answers.
   */
  pauseMs?: number
}

/** What bench/lib/wrk-report.lua prints. */
interface WrkReport {
  requests: number
  durationS: number
  p50Ms: number
  p99Ms: number
  errors: { connect: number, read: number, write: number, timeout: number, status: number }
}

const sum = (pids: number[], figure: (pid: number) => number): number =>
  pids.reduce((total, pid) => total + figure(pid), 0)

/** Whether wrk can be run from PATH. */
export function wrkFound (): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined
}

/**
 * Runs wrk against `url` for `durationS` with `connections`, sampling the server's memory and both sides' CPU
 * meanwhile; the server is the process `serverPid`, or the processes that serve together (a proxy and the replicas
 * behind it).
 */
export async function load (
  url: string,
  connections: number,
  durationS: number,
  serverPid: number | number[],
  { pauseMs = 0 }: LoadOptions = {}
): Promise<LoadResult> {
  const serverPids = [serverPid].flat()
  // One thread: one core's worth of load generator, whose CPU below tells whether it kept up. A slow answer is
  // not an error (wrk's default timeout is 2 s).
  const child = spawnWithLimit({
    command: 'wrk',
    args: ['-t1', '-c', String(connections), '-d', `${durationS}s`, '--timeout', '30s', '-s', REPORT_SCRIPT, url],
    env: { WRK_PAUSE_MS: String(pauseMs) }
  }, 'pipe', PINNING?.load)
  const wrkPid = child.pid as number
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  // Processor times from wrk's start to its last moment seen alive, and the server's over the same span.
  const sample = (): { at: number, wrkS: number, serverS: number } | undefined => {
    const wrkS = treeCpuSeconds(wrkPid)
    return wrkS === undefined
      ? undefined
      : { at: performance.now(), wrkS, serverS: sum(serverPids, (pid) => treeCpuSeconds(pid) ?? 0) }
  }
  const first = sample()
  let last = first
  let peakRssKb = 0
  const sampler = setInterval(() => {
    peakRssKb = Math.max(peakRssKb, sum(serverPids, treeRssKb))
    last = sample() ?? last
  }, 50)
  // 'close', not 'exit': only then has all of wrk's output been read.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr}${stdout}`)
  if (first === undefined || last === undefined) {
    throw new Error(`wrk (pid ${wrkPid}) ended before its processor time could be read`)
  }
  const wallS = (last.at - first.at) / 1000
  const report = JSON.parse(stdout.trim().split('\n').at(-1) as string) as WrkReport
  const { connect, read, write, timeout, status } = report.errors
  return {
    connections,
    durationS: report.durationS,
    requests: report.requests,
    requestsPerSecond: report.requests / report.durationS,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    errors: connect + read + write + timeout + status,
    peakRssKb,
    loadGeneratorCpu: (last.wrkS - first.wrkS) / wallS,
    serverCpu: (last.serverS - first.serverS) / wallS,
    serverCpuPerRequestUs: report.requests === 0 ? 0 : (last.serverS - first.serverS) / report.requests * 1e6
  }
}
