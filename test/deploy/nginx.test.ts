// The project's nginx configuration (deploy/nginx/) in front of plain upstreams that record what they get: forwarded
// headers and the request's id, keep-alive connections, a retry past a replica that refuses, its own errors as JSON,
// the body limit, and timeouts longer than the heartbeats of the long-lived routes.
import { readFile } from 'node:fs/promises'
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { NGINX_DIR } from '../helpers/nginx-files.ts'
import { startNginx } from '../helpers/nginx.ts'
import { nothingListening, serve, until, type Seen } from '../helpers/upstream.ts'

// nginx and a few hundred requests: room for a busy machine.
t.setTimeout(120_000)

interface Answer { status: number | undefined, headers: IncomingHttpHeaders, body: string }

/** Sends a request on `agent` (a fresh connection when none) and reads the whole answer. */
async function send (
  url: string,
  { method = 'GET', headers = {}, body, agent }: {
    method?: string, headers?: Record<string, string>, body?: Buffer, agent?: Agent
  } = {}
): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const sent = request(url, { method, headers, agent: agent ?? false }, (response) => {
      let text = ''
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
      response.on('end', () => { resolve({ status: response.statusCode, headers: response.headers, body: text }) })
    })
    sent.on('error', reject)
    sent.end(body)
  })
}

/** What an upstream received of a request. */
interface Received { method: string, httpVersion: string, headers: IncomingHttpHeaders, bytes: number }

/** An upstream that answers 200 with the body's size, keeping what it received of each request. */
async function recorder (t: Test): Promise<Seen & { received: Received[] }> {
  const received: Received[] = []
  const seen = await serve(t, (request, response) => {
    let bytes = 0
    request.on('data', (chunk: Buffer) => { bytes += chunk.length })
    request.on('end', () => {
      received.push({ method: request.method ?? '', httpVersion: request.httpVersion, headers: request.headers, bytes })
      response.end(`${bytes}`)
    })
  })
  return Object.assign(seen, { received })
}

const hostPort = (origin: string): string => new URL(origin).host

t.test(
  'requests reach the upstream over HTTP/1.1 with the forwarded headers, on one connection kept open',
  async (t) => {
    const upstream = await recorder(t)
    const nginx = await startNginx(t, [hostPort(upstream.origin)])
    // One client connection is served by one nginx worker, which keeps its connection to the upstream for the next
    // request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    t.teardown(() => { agent.destroy() })
    const statuses = []
    for (let i = 0; i < 20; i++) statuses.push((await send(`${nginx.url}/sync`, { agent })).status)
    t.same(statuses, Array(20).fill(200))
    t.equal(upstream.connections, 1, '20 requests, one connection to the upstream')
    t.same(new Set(upstream.received.map(({ httpVersion }) => httpVersion)), new Set(['1.1']))
    t.notOk(upstream.received.some(({ headers }) => headers.connection === 'close' || 'upgrade' in headers),
      'asks for no close, and no upgrade')

    await send(`${nginx.url}/`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'client-id_1.2:3' } })
    t.has(upstream.received.at(-1)?.headers, {
      'x-forwarded-for': '203.0.113.7, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-request-id': 'client-id_1.2:3',
      host: `127.0.0.1:${nginx.port}`
    }, "the client's address appended, and its well-formed request id kept")

    await send(`${nginx.url}/`, { headers: { 'x-request-id': 'not well formed!' } })
    const replaced = upstream.received.at(-1)?.headers['x-request-id'] as string
    t.match(replaced, /^[0-9a-f]{32}$/, "an id the service would not keep is replaced by nginx's own")
    // Logged as the request ends, after its answer went out.
    await until(() => nginx.accessLog().length === 22, 10_000)
    t.has(nginx.accessLog().at(-1), { request_id: replaced, method: 'GET', uri: '/', status: 200 },
      'under which nginx logs the request')
  }
)

t.test('a replica that refuses connections loses no request: nginx sends it to the next, POST included', async (t) => {
  const refusing = await nothingListening()
  const upstream = await recorder(t)
  const nginx = await startNginx(t, [hostPort(refusing), hostPort(upstream.origin)])
  const answers = []
  for (let i = 0; i < 10; i++) {
    answers.push(await send(`${nginx.url}/sync`))
    answers.push(await send(`${nginx.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"latencyMs":1}')
    }))
  }
  t.same(answers.map(({ status }) => status), Array(20).fill(200),
    'every request answered by the upstream that accepts')
  t.equal(upstream.received.length, 20)
  await until(() => nginx.accessLog().length === 20, 10_000)
  // Found by what it tried rather than by its place in the log: each worker writes its lines, and the line of one
  // request may come after the next request's on a busy machine.
  const movedOn = nginx.accessLog().filter(({ upstream: tried }) => tried !== hostPort(upstream.origin))
  t.same(movedOn.map(({ upstream: tried, upstream_status: statuses }) => ({ tried, statuses })),
    [{ tried: `${hostPort(refusing)}, ${hostPort(upstream.origin)}`, statuses: '502, 200' }],
    'one request tried the refusing one, then the next; the others skipped it for a while after that')
})

t.test('a POST a replica received and dropped is sent to the next, with the same request id', async (t) => {
  const dropping = await serve(t, (request) => {
    request.on('data', () => {}).on('end', () => request.socket.destroy())
  })
  const upstream = await recorder(t)
  const nginx = await startNginx(t, [hostPort(dropping.origin), hostPort(upstream.origin)])
  const answer = await send(`${nginx.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"latencyMs":1}')
  })
  t.equal(answer.status, 200, 'answered by the next replica')
  t.equal(upstream.received.length, 1)
  await until(() => nginx.accessLog().length === 1, 10_000)
  const [logged] = nginx.accessLog()
  t.has(logged, { upstream_status: '502, 200' }, 'tried on the first, then on the next')
  t.equal(upstream.received[0]?.headers['x-request-id'], logged?.request_id,
    'with the id nginx logs: the key by which the service knows a retry')
})

t.test("nginx's own errors are JSON in the service's shape, with the request's id", async (t) => {
  const nginx = await startNginx(t, [hostPort(await nothingListening())])
  const answer = await send(`${nginx.url}/`)
  t.equal(answer.status, 502)
  t.match(answer.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(answer.body),
    { statusCode: 502, error: 'Bad Gateway', message: 'No replica of the service could be reached' })
  t.match(answer.headers['x-request-id'], /^[0-9a-f]{32}$/)
  await until(() => nginx.accessLog().length === 1, 10_000)
  t.equal(answer.headers['x-request-id'], nginx.accessLog().at(-1)?.request_id, 'the id nginx logs')
  // Written by the worker as it answers: it may reach this process a moment after the answer.
  await until(
    () => nginx.errorLog.includes('connect() failed (111: Connection refused) while connecting to upstream'),
    10_000
  )
  t.pass('and its error log says why')
})

t.test('/metrics and /docs, with what is under /docs, are 404 JSON from outside; paths next to them pass',
  async (t) => {
    const upstream = await recorder(t)
    const nginx = await startNginx(t, [hostPort(upstream.origin)])
    for (const [path, what] of [
      ['/metrics', '/metrics'], ['/metrics?x=1', '/metrics'], ['//metrics', '/metrics'], ['/%6detrics', '/metrics'],
      ['/docs', '/docs'], ['/docs/', '/docs'], ['/docs/json', '/docs'], ['/docs/static/index.html', '/docs']
    ] as const) {
      const answer = await send(`${nginx.url}${path}`, { headers: { 'x-request-id': 'hidden' } })
      t.equal(answer.status, 404, path)
      t.match(answer.headers['content-type'], /^application\/json/)
      t.same(JSON.parse(answer.body), { statusCode: 404, error: 'Not Found', message: `Route GET ${what} not found` })
      t.equal(answer.headers['x-request-id'], 'hidden')
    }
    t.equal(upstream.received.length, 0, 'none reached a replica')
    for (const path of ['/metricsx', '/docsy', '/sync']) t.equal((await send(`${nginx.url}${path}`)).status, 200, path)
    t.equal(upstream.received.length, 3)
  })

t.test(
  'a body up to BODY_LIMIT_BYTES (1 MiB by default) gets through; a larger one is refused as the service refuses it',
  async (t) => {
    const upstream = await recorder(t)
    const nginx = await startNginx(t, [hostPort(upstream.origin)])
    const headers = { 'content-type': 'application/json', 'x-request-id': 'big-body' }
    const atLimit = await send(`${nginx.url}/tasks`, { method: 'POST', headers, body: Buffer.alloc(1_048_576, 'a') })
    t.equal(atLimit.status, 200)
    t.equal(atLimit.body, '1048576', 'the upstream got all of it')
    const over = await send(`${nginx.url}/tasks`, { method: 'POST', headers, body: Buffer.alloc(1_048_577, 'a') })
    t.equal(over.status, 413)
    t.match(over.headers['content-type'], /^application\/json/)
    t.same(JSON.parse(over.body), {
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
      code: 'FST_ERR_CTP_BODY_TOO_LARGE'
    })
    t.equal(over.headers['x-request-id'], 'big-body')
    t.equal(upstream.received.length, 1, 'the larger one never reached it')
  }
)

t.test(
  'long-lived routes outlast their heartbeats: an event stream unbuffered, each cut only past several beats',
  async (t) => {
    const server = await readFile(join(NGINX_DIR, 'server.conf'), 'utf8')
    /** The directives of `location <match> { ... }`. */
    const location = (match: string): string => {
      const [, block = ''] = new RegExp(`^location ${match.replace(/[/]/g, '\\/')} \\{([^}]*)\\}`, 'm').exec(server) ?? []
      return block
    }
    const readTimeoutSeconds = (block: string): number => {
      const [, amount = '', unit = ''] = /proxy_read_timeout (\d+)(s|m)?;/.exec(block) ?? []
      return Number(amount) * (unit === 'm' ? 60 : 1)
    }
    const events = location('= /events')
    t.match(events, /proxy_pass http:\/\/replicas;/)
    t.match(events, /proxy_buffering off;/)
    t.ok(readTimeoutSeconds(events) >= 2 * 15,
      `/events: ${readTimeoutSeconds(events)} s, two heartbeats of LIVE_HEARTBEAT_MS (15 s) or more`)
    const chat = location('= /chat')
    t.match(chat, /proxy_pass http:\/\/replicas;/)
    t.ok(readTimeoutSeconds(chat) >= 2 * 30,
      `/chat: ${readTimeoutSeconds(chat)} s, two pings of CHAT_HEARTBEAT_MS (30 s) or more`)
    t.ok(readTimeoutSeconds(server.replace(/^location[^}]*\}/gm, '')) > 30, 'every other request: longer than REQUEST_DEADLINE_MS (30 s)')
  }
)
