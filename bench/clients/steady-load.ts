// A steady load, run in a process of its own: `connections` kept-alive connections, each asking GET / and GET /sync in
// turn, one request at a time, until told (SIGUSR2) to stop; the requests under way then end as they will. It reports
// once every connection has had an answer (the load is steady), then, once stopped, every answer (its path, when it
// ended, how long it took) and every failure (an answer other than 2xx, or none).
// Run by bench/lib/replicas.ts (and by hand: node bench/clients/steady-load.ts <port> <connections>). Its types only
// stripped.
import { Pool } from 'undici'

const PATHS = ['/', '/sync'] as const
type Path = typeof PATHS[number]

const [port, connections] = process.argv.slice(2, 4).map(Number) as [number, number]
if (![port, connections].every(Number.isInteger) || connections < 1) {
  console.error('usage: steady-load.ts <port> <connections>')
  process.exit(2)
}

/** Prints one JSON line for the harness. */
const report = (what: object): void => { process.stdout.write(JSON.stringify(what) + '\n') }

/** Now, on the clock the harness reads too (ms since the epoch, to the µs). */
const now = (): number => performance.timeOrigin + performance.now()

/** Each answer, by path: when it ended (ms since the epoch) and how long it took (ms), both rounded. */
const answers: Record<Path, { at: number[], ms: number[] }> = { '/': { at: [], ms: [] }, '/sync': { at: [], ms: [] } }
const failures: Array<{ path: Path, at: number, reason: string }> = []
let stopping = false
// Listened to from the start: unheard, SIGUSR2 would end the process.
process.once('SIGUSR2', () => { stopping = true })

const pool = new Pool(`http://127.0.0.1:${port}`, { connections })
let steady: () => void = () => {}
const everyConnectionAnswered = new Promise<void>((resolve) => { steady = resolve })
let done = 0

/** One connection's requests, the two paths in turn (starting with `first`), until stopped. */
async function connection (first: number): Promise<void> {
  for (let turn = first; ; turn++) {
    // `stopping` is set by the SIGUSR2 handler while this loop awaits.
    if (stopping) break
    const path = PATHS[turn % PATHS.length] as Path
    const started = now()
    try {
      const { statusCode, body } = await pool.request({ path, method: 'GET' })
      await body.text()
      const ended = now()
      if (statusCode >= 200 && statusCode < 300) {
        answers[path].at.push(Math.round(ended))
        answers[path].ms.push(Math.round((ended - started) * 100) / 100)
      } else {
        failures.push({ path, at: Math.round(ended), reason: `status ${statusCode}` })
      }
    } catch (error) {
      failures.push({ path, at: Math.round(now()), reason: (error as Error).message })
    }
    if (++done === connections) steady()
  }
}

const running = Array.from({ length: connections }, async (_, index) => { await connection(index) })
await everyConnectionAnswered
report({ steady: true })
await Promise.all(running)
await pool.close()
report({ answers, failures })
