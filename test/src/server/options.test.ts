// Limits and timeouts from config take effect on a real socket: request and keep-alive timeouts, head and body sizes;
// what Node's parser and Fastify's router refuse is the JSON error every answer is, with a request id.
import { connect, type Socket } from 'node:net'
import { PassThrough, type Duplex } from 'node:stream'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { serverOptions } from '../../../src/server/options.ts'
import { build, testConfig } from '../../helpers/app.ts'

// Each test waits on a socket for a timeout to pass: room for a busy machine.
t.setTimeout(120_000)

/** An HTTP answer's head as `name: value` lines, and its body parsed as JSON. */
function parsed (received: string): { status: string, headers: Record<string, string>, body: unknown } {
  const [head = '', body = ''] = received.split('\r\n\r\n')
  const [status = '', ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(lines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
  }))
  return { status, headers, body: JSON.parse(body) }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Opens a raw connection to `port`, writes `text`, and resolves when the server closes it: what it sent, and when. */
async function rawExchange (port: number, text: string): Promise<{ received: string, closedAfterMs: number }> {
  return await new Promise((resolve, reject) => {
    const started = performance.now()
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
    socket.on('error', reject)
    socket.on('close', () => { resolve({ received, closedAfterMs: performance.now() - started }) })
  })
}

async function listeningApp (t: Test, env: Record<string, string>): Promise<number> {
  const fastify = await build(t, { env })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return (fastify.server.address() as AddressInfo).port
}

t.test(
  'a request not sent whole within REQUEST_TIMEOUT_MS is answered 408 and its connection closed, soon after',
  async (t) => {
    const port = await listeningApp(t, { REQUEST_TIMEOUT_MS: '300' })
    const { received, closedAfterMs } = await rawExchange(port, 'GET /sync HTTP/1.1\r\nHost: localhost\r\n')
    const answer = parsed(received)
    t.equal(answer.status, 'HTTP/1.1 408 Request Timeout')
    t.match(answer.headers, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': UUID })
    t.same(answer.body, {
      statusCode: 408,
      error: 'Request Timeout',
      message: 'The request was not sent in full within 300 ms (REQUEST_TIMEOUT_MS)'
    })
    t.ok(closedAfterMs >= 290 && closedAfterMs < 5000,
      `closed after the timeout, not Node's 30 s check (${Math.round(closedAfterMs)} ms)`)
  }
)

t.test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS, which answers announce', async (t) => {
  const port = await listeningApp(t, { KEEP_ALIVE_TIMEOUT_MS: '300' })
  const { received, closedAfterMs } = await rawExchange(port, 'GET /sync HTTP/1.1\r\nHost: localhost\r\n\r\n')
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(received, /\r\nkeep-alive: timeout=0\r\n/i, 'announced in whole seconds, rounded down')
  t.ok(closedAfterMs >= 290 && closedAfterMs < 5000,
    `closed once idle for the timeout (${Math.round(closedAfterMs)} ms)`)
})

t.test('the default keep-alive timeout of 72 s is announced to clients', async (t) => {
  const port = await listeningApp(t, {})
  const response = await fetch(`http://127.0.0.1:${port}/sync`)
  await response.text()
  t.equal(response.headers.get('keep-alive'), 'timeout=72')
})

t.test('a request head larger than MAX_HEADER_BYTES is refused with 431 and its connection closed', async (t) => {
  const port = await listeningApp(t, { MAX_HEADER_BYTES: '2048' })
  const small = await rawExchange(port,
    `GET /sync HTTP/1.1\r\nHost: localhost\r\nX-Pad: ${'a'.repeat(1000)}\r\nConnection: close\r\n\r\n`)
  t.match(small.received, /^HTTP\/1\.1 200 OK\r\n/, 'a 1 KB header passes')
  const large = await rawExchange(port, `GET /sync HTTP/1.1\r\nHost: localhost\r\nX-Pad: ${'a'.repeat(3000)}\r\n\r\n`)
  const answer = parsed(large.received)
  t.equal(answer.status, 'HTTP/1.1 431 Request Header Fields Too Large')
  t.match(answer.headers, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': UUID })
  t.same(answer.body, {
    statusCode: 431,
    error: 'Request Header Fields Too Large',
    message: 'The request\'s headers are larger than 2048 bytes (MAX_HEADER_BYTES)'
  })
})

t.test('a request that is not HTTP is answered 400 JSON with a request id, saying what the parser found', async (t) => {
  const port = await listeningApp(t, {})
  for (const [request, found] of [
    ['BAD\r\n\r\n', 'Invalid method encountered'],
    ['GET /sync HTTP/1.1\r\nHost: localhost\r\nX\u0001: y\r\n\r\n', 'Invalid header token']
  ] as const) {
    const answer = parsed((await rawExchange(port, request)).received)
    t.equal(answer.status, 'HTTP/1.1 400 Bad Request', found)
    t.match(answer.headers, { 'x-request-id': UUID, connection: 'close' })
    t.same(answer.body,
      { statusCode: 400, error: 'Bad Request', message: `The request is not valid HTTP/1.1: ${found}` })
  }
})

t.test('a URL the router cannot decode is answered 400 JSON with a request id, in the usual shape', async (t) => {
  const fastify = await build(t)
  const response = await fastify.inject('/%zz')
  t.equal(response.statusCode, 400)
  t.match(response.headers['x-request-id'], UUID)
  t.same(response.json(), {
    statusCode: 400,
    error: 'Bad Request',
    message: '\'/%zz\' is not a valid url component',
    code: 'FST_ERR_BAD_URL'
  })
})

t.test('a body larger than BODY_LIMIT_BYTES is refused with 413 JSON naming the limit', async (t) => {
  const fastify = await build(t, { env: { BODY_LIMIT_BYTES: '1024' } })
  const send = async (bytes: number) => await fastify.inject({
    method: 'POST', url: '/sync', payload: 'a'.repeat(bytes), headers: { 'content-type': 'text/plain' }
  })
  t.equal((await send(1024)).statusCode, 405, 'at the limit, read (and refused for its method)')
  const tooLarge = await send(1025)
  t.equal(tooLarge.statusCode, 413)
  t.same(tooLarge.json(), {
    statusCode: 413,
    error: 'Payload Too Large',
    message: 'Request body is too large',
    code: 'FST_ERR_CTP_BODY_TOO_LARGE'
  })
})

t.test(
  'a connection that passes nothing either way for CONNECTION_TIMEOUT_MS is closed, mid-request too',
  async (t) => {
    const port = await listeningApp(t, { CONNECTION_TIMEOUT_MS: '300' })
    const { received, closedAfterMs } = await rawExchange(port,
      'GET /wait?seconds=30 HTTP/1.1\r\nHost: localhost\r\n\r\n')
    t.equal(received, '', 'cut off before its answer')
    t.ok(closedAfterMs >= 290 && closedAfterMs < 20_000,
      `closed after the timeout, not the request's 30 s (${Math.round(closedAfterMs)} ms)`)
  }
)

t.test(
  "Fastify's limit on each close hook lies past the shutdown timeout, so that only the stop's own limit ends a drain",
  async (t) => {
    const pluginTimeout = async (env: Record<string, string>): Promise<number | undefined> =>
      serverOptions(await testConfig(env)).pluginTimeout
    t.equal(await pluginTimeout({ SHUTDOWN_TIMEOUT_MS: '30000' }), 31_000)
    t.equal(await pluginTimeout({ SHUTDOWN_TIMEOUT_MS: '2000' }), 10_000, "never under Fastify's own 10 s")
    t.equal(await pluginTimeout({ SHUTDOWN_TIMEOUT_MS: '0' }), 0, 'none when the drain has no limit')
  }
)

t.test('a parser error on a connection the client reset, or already closed, is left unanswered and unlogged',
  async (t) => {
    const { clientErrorHandler } = serverOptions(await testConfig({}))
    const logged: unknown[] = []
    const fastify = { log: { info: (...line: unknown[]) => logged.push(line) } } as unknown as FastifyInstance
    const refuse = (code: string, socket: Duplex): void => {
      const rawPacket = { type: 'Buffer', data: [] }
      const error = Object.assign(new Error('Parse Error'), { code, bytesParsed: 0, rawPacket })
      // A stream stands for the socket: the handler only writes to it and checks whether it is destroyed.
      clientErrorHandler?.call(fastify, error, socket as Socket)
    }
    const reset = new PassThrough()
    const written: string[] = []
    reset.on('data', (chunk: Buffer) => written.push(chunk.toString()))
    refuse('ECONNRESET', reset)
    t.notOk(reset.destroyed, 'a reset connection is left to Node, which closes it')
    const closed = new PassThrough()
    closed.destroy()
    refuse('HPE_INVALID_METHOD', closed)
    const open = new PassThrough()
    open.on('data', (chunk: Buffer) => written.push(chunk.toString()))
    refuse('HPE_INVALID_METHOD', open)
    await new Promise((resolve) => open.once('close', resolve))
    t.equal(written.length, 1, 'only the open connection was answered')
    t.match(written[0], /^HTTP\/1\.1 400 Bad Request\r\n/)
    t.equal(logged.length, 1, 'and only its refusal logged')
  }
)
