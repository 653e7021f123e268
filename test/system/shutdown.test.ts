// Shutdown of the real process: every request sent before the stop answered (delay, drain, cut-off), signals, limits.
import { once } from 'node:events'
import { get as httpGet } from 'node:http'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { entries, listening, requestInFlight, startServer } from '../helpers/server-process.ts'
import { readUntilClosed } from '../helpers/sockets.ts'

// Every test waits on a process: room for a busy machine.
t.setTimeout(240_000)

/** The port of a base URL such as http://127.0.0.1:3000. */
const portOf = (url: string): number => Number(new URL(url).port)

type Answer =
  | { status: number, connection: string | undefined, body: string, headers?: Array<string | undefined> }
  | { error: string }

/** GET `path` on a connection of its own: status, Connection, body and the `headers` asked for, or the error's code. */
async function getOnNewConnection (port: number, path: string, headers: string[] = []): Promise<Answer> {
  return await new Promise((resolve) => {
    const request = httpGet({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      response.on('end', () => {
        const answer = { status: response.statusCode as number, connection: response.headers.connection, body }
        resolve(headers.length === 0
          ? answer
          : { ...answer, headers: headers.map((name) => response.headers[name] as string | undefined) })
      })
    })
    request.on('error', (error: NodeJS.ErrnoException) => { resolve({ error: error.code ?? error.message }) })
  })
}

/** How many answers of each kind: "status connection body [headers]", or the error code. */
function tally (answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const answer of answers) {
    const key = 'error' in answer
      ? answer.error
      : [answer.status, answer.connection, answer.body, ...(answer.headers ?? [])].join(' ')
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

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

t.test(
  'with the default delay, 1,000 requests sent just before SIGTERM and one just after are all answered',
  async (t) => {
    // An empty value is unset: the default delay. Each request on a connection of its own, as many clients would.
    const server = startServer(t, { SHUTDOWN_DELAY_MS: '', ROOT_DELAY_MS: '1000' })
    const port = portOf(await listening(server))
    const before = Array.from({ length: 1000 }, async () => await getOnNewConnection(port, '/'))
    await sleep(100)
    server.child.kill('SIGTERM')
    await sleep(100)
    const after = getOnNewConnection(port, '/')
    t.same(await getOnNewConnection(port, '/ready'),
      { status: 503, connection: 'close', body: '{"status":"stopping"}' }, '/ready says 503 at once')
    const answers = await Promise.all([...before, after])
    t.same(tally(answers), { '200 close Hello from async Flask!': 1001 },
      'every one answered 200, asking the client to close')
    t.equal(await server.exit, 0)
    t.match(entries(server).filter((entry) => entry.msg !== 'request completed'), [
      { msg: /^Server listening/ },
      { msg: 'closing', signal: 'SIGTERM' },
      {
        msg: 'stopping: /ready answers 503, serving on until nothing has come for the quiet time, or the delay ends',
        delayMs: 5000,
        quietMs: 500
      },
      { msg: 'serving ended', ended: 'quiet' },
      { msg: 'draining: no new connections; answering the requests held' },
      { msg: 'stopped', durationMs: Number }
    ])
  }
)

t.test('with SHUTDOWN_QUIET_MS=0 the whole delay is served: a new connection a second in is answered', async (t) => {
  const server = startServer(t, { SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_QUIET_MS: '0' })
  const port = portOf(await listening(server))
  server.child.kill('SIGTERM')
  await sleep(1000)
  t.same(await getOnNewConnection(port, '/sync'),
    { status: 200, connection: 'close', body: 'This is a normal sync route.' })
  t.equal(await server.exit, 0)
  t.match(entries(server).find((entry) => entry.msg === 'serving ended'), { ended: 'delay' })
})

t.test(
  'requests still waiting near SHUTDOWN_TIMEOUT_MS are answered 503 with Retry-After, and the process exits 0',
  async (t) => {
    const server = startServer(t, { SHUTDOWN_TIMEOUT_MS: '2000' })
    const port = portOf(await listening(server))
    const waiting = Array.from({ length: 20 }, async () =>
      await getOnNewConnection(port, '/wait?seconds=30', ['retry-after', 'content-type']))
    await sleep(300)
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    const answers = await Promise.all(waiting)
    const answeredAfter = performance.now() - signalled
    // Status, Connection, body, Retry-After and Content-Type, as tally() joins them.
    const refused = '503 close ' +
      '{"statusCode":503,"error":"Service Unavailable","message":"The service is shutting down"} ' +
      '1 application/json; charset=utf-8'
    t.same(tally(answers), { [refused]: 20 }, 'all 20 answered: 503, JSON, Retry-After: 1')
    t.ok(answeredAfter >= 1400 && answeredAfter < 20_000,
      `answered at the cut-off, 1.5 s into the 2 s (${Math.round(answeredAfter)} ms)`)
    t.equal(await server.exit, 0)
    t.notOk(entries(server).some((entry) => entry.level === 50), 'no error logged')
  }
)

t.test(
  'a connection accepted before the server stops accepting, whose request comes just after, is answered',
  async (t) => {
    const server = startServer(t, {})
    const port = portOf(await listening(server))
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    server.child.kill('SIGTERM')
    while (!server.stdout.some((line) => line.includes('draining'))) await sleep(5)
    socket.write('GET /sync HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const received = await readUntilClosed(socket)
    t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
    t.match(received, /\r\nconnection: close\r\n/i)
    t.match(received, /This is a normal sync route\.$/)
    t.equal(await server.exit, 0)
  }
)

t.test('an idle keep-alive connection does not hold the stop: it is closed, and the process exits 0', async (t) => {
  const server = startServer(t, {})
  const port = portOf(await listening(server))
  const socket = connect(port, '127.0.0.1')
  socket.write('GET /sync HTTP/1.1\r\nHost: localhost\r\n\r\n')
  const received = readUntilClosed(socket)
  while (server.stdout.every((line) => !line.includes('request completed'))) await sleep(5)
  const signalled = performance.now()
  server.child.kill('SIGTERM')
  t.match(await received, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nconnection: keep-alive\r\n/i, 'kept alive before the stop')
  t.equal(await server.exit, 0)
  const stoppedAfter = performance.now() - signalled
  t.ok(stoppedAfter < 30_000, `closed well before the 72 s keep-alive timeout (${Math.round(stoppedAfter)} ms)`)
})

t.test(
  'what still hangs at the end of SHUTDOWN_TIMEOUT_MS (a request never sent whole) makes the process exit 1',
  async (t) => {
    const server = startServer(t, { SHUTDOWN_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '0' })
    const port = portOf(await listening(server))
    const socket = connect(port, '127.0.0.1')
    socket.write('GET /sync HTTP/1.1\r\nHost: localhost\r\n')
    const closed = readUntilClosed(socket)
    await sleep(200)
    server.child.kill('SIGTERM')
    t.equal(await server.exit, 1)
    t.equal(await closed, '', 'no answer to a request never finished')
    t.match(entries(server).at(-1), { level: 50, msg: 'killed by timeout (1000ms)' })
  }
)

t.test(
  'SHUTDOWN_TIMEOUT_MS=0 sets no limit: the request in flight is answered, then the process exits 0',
  async (t) => {
    const server = startServer(t, { SHUTDOWN_TIMEOUT_MS: '0' })
    const { answer } = await requestInFlight(server, 1)
    server.child.kill('SIGTERM')
    t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
    t.equal(await server.exit, 0)
  }
)
