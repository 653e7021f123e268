// /sync probed from a process of its own, as curl would: GET /sync on a new connection, one at a time, PROBE_EVERY_MS
// apart, until cued (SIGUSR2). It reports once its first answer came, and when cued, every request's time (ms, to the
// 10 µs) and the failures (an answer other than 200, or none). Run by bench/lib/scenario.ts for the abuse and the
// live updates (and by hand: node bench/clients/sync-probe.ts <port>). Its types only stripped.
import { request } from 'node:http'
import { cue, report } from './room.ts'

const PROBE_EVERY_MS = 50

const port = Number(process.argv[2])
if (!Number.isInteger(port)) {
  console.error('usage: sync-probe.ts <port>')
  process.exit(2)
}

/** GET /sync on a connection of its own: its status, or the error that ended it. */
async function probe (): Promise<number | string> {
  return await new Promise((resolve) => {
    const asked = request({ host: '127.0.0.1', port, path: '/sync', agent: false }, (response) => {
      response.resume().once('end', () => { resolve(response.statusCode ?? 0) })
    })
    asked.once('error', (error: NodeJS.ErrnoException) => { resolve(error.code ?? error.message) })
    asked.end()
  })
}

const stopping = { cued: false }
void cue().then(() => { stopping.cued = true })
const ms: number[] = []
const failures: Array<number | string> = []
while (!stopping.cued) {
  const started = performance.now()
  const outcome = await probe()
  ms.push(Math.round((performance.now() - started) * 100) / 100)
  if (outcome !== 200) failures.push(outcome)
  if (ms.length === 1) report({ ready: true })
  await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS))
}
report({ ms, failures })
