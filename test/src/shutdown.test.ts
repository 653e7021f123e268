// Shutdown: Ctrl-C under npm start answers what is in flight; a repeated signal exits at once; SHUTDOWN_TIMEOUT_MS.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { entries, listening, npmStart, signalGroup, startServer, type ServerProcess } from '../server-process.js'

// npm start builds first when the sources changed, and every test waits on a process: room for a busy machine.
t.setTimeout(240_000)

/** GET `url`, resolving with the status and body, or with the network error's code when there is no answer. */
async function get (url: string): Promise<{ status: number, body: string } | { error: string }> {
  try {
    const response = await fetch(url)
    return { status: response.status, body: await response.text() }
  } catch (error) {
    return { error: String((error as { cause?: { code?: string } }).cause?.code ?? error) }
  }
}

/** Once `server` listens, starts a request to /wait?seconds=`seconds` and gives it time to arrive; `answer` is its end. */
async function requestInFlight (server: ServerProcess, seconds: number): Promise<{ answer: ReturnType<typeof get> }> {
  const url = await listening(server)
  const answer = get(`${url}/wait?seconds=${seconds}`)
  await sleep(200)
  return { answer }
}

t.test('Ctrl-C on npm start (SIGINT to the whole process group) answers the request in flight and exits 0', async (t) => {
  const server = npmStart(t, {})
  const { answer } = await requestInFlight(server, 1)
  signalGroup(server.child, 'SIGINT')
  t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
  t.equal(await server.exit, 0)
  t.notMatch(server.stderr, /second|exiting/)
})

t.test('SIGHUP closes gracefully too, as close-with-grace handles it: the request in flight is answered', async (t) => {
  const server = startServer(t, {})
  const { answer } = await requestInFlight(server, 1)
  server.child.kill('SIGHUP')
  t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
  t.equal(await server.exit, 0)
  t.match(entries(server), [{ msg: /^Server listening/ }, { msg: 'closing', signal: 'SIGHUP' }])
})

t.test('two signals within moments of each other count as one: the request in flight is answered', async (t) => {
  const server = startServer(t, {})
  const { answer } = await requestInFlight(server, 1)
  server.child.kill('SIGTERM')
  await sleep(50)
  server.child.kill('SIGINT')
  t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
  t.equal(await server.exit, 0)
})

t.test('a second signal well after the first exits at once with 1', async (t) => {
  const server = startServer(t, {})
  const { answer } = await requestInFlight(server, 30)
  server.child.kill('SIGTERM')
  await sleep(1000)
  server.child.kill('SIGTERM')
  t.equal(await server.exit, 1)
  t.match(await answer, { error: String })
  t.match(entries(server).at(-1), { level: 50, signal: 'SIGTERM', msg: 'second SIGTERM: exiting at once' })
})

t.test('past SHUTDOWN_TIMEOUT_MS the process exits with 1 without waiting for the request', async (t) => {
  const server = startServer(t, { SHUTDOWN_TIMEOUT_MS: '300' })
  const { answer } = await requestInFlight(server, 30)
  const signalled = performance.now()
  server.child.kill('SIGTERM')
  t.equal(await server.exit, 1)
  const waited = performance.now() - signalled
  t.ok(waited >= 290 && waited < 20_000, `exited after the timeout, long before the request's 30 s (${Math.round(waited)} ms)`)
  t.match(await answer, { error: String })
  t.match(entries(server).at(-1), { level: 50, msg: 'killed by timeout (300ms)' })
})

t.test('SHUTDOWN_TIMEOUT_MS=0 sets no limit: the request in flight is answered, then the process exits 0', async (t) => {
  const server = startServer(t, { SHUTDOWN_TIMEOUT_MS: '0' })
  const { answer } = await requestInFlight(server, 1)
  server.child.kill('SIGTERM')
  t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
  t.equal(await server.exit, 0)
})
