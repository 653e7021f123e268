// Drives load with autocannon in a process of its own (never the server's), one request at a time per connection.
import { createRequire } from 'node:module'
import { PINNING, treeRssKb, spawnWithLimit } from './processes.js'

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

export interface LoadResult {
  connections: number
  durationS: number
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Failed requests: connection errors, timeouts and non-2xx answers. */
  errors: number
  /** Highest resident memory of the server while under this load, in KB. */
  peakRssKb: number
}

interface AutocannonJson {
  requests: { total: number, average: number }
  latency: { p50: number, p99: number }
  /** Connection errors, timeouts included. */
  errors: number
  non2xx: number
  duration: number
}

/** Runs autocannon against `url` for `durationS` with `connections`, sampling the server's memory meanwhile. */
export async function load (url: string, connections: number, durationS: number, serverPid: number): Promise<LoadResult> {
  const child = spawnWithLimit({
    command: process.execPath,
    args: [AUTOCANNON, '--json', '--connections', String(connections), '--duration', String(durationS), '--timeout', '30', url]
  }, 'pipe', PINNING?.load)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  let peakRssKb = 0
  const sampler = setInterval(() => { peakRssKb = Math.max(peakRssKb, treeRssKb(serverPid)) }, 50)
  // 'close', not 'exit': only then has all of autocannon's output been read.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr}`)
  const result = JSON.parse(stdout) as AutocannonJson
  return {
    connections,
    durationS: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    peakRssKb
  }
}
