// GET /chat over real sockets: a name refused before the upgrade, a plain GET answered 426; messages; joins and leaves
// in presence frames with their online counts, gathered over an interval; the history; every bad frame answered with
// an error frame, the rate limit, abuse (1008) and an oversized frame (1009) closed; the heartbeat; the shutdown
// (1001); the metrics.
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { build } from '../../helpers/app.ts'
import { ChatClient, joinedFrame, leftFrame, refusedUpgrade } from '../../helpers/ws-client.ts'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

interface Room {
  fastify: FastifyInstance
  /** A client joined under `name`, its history and its own join read. */
  join: (name: string, options?: WebSocket.ClientOptions) => Promise<ChatClient>
  /** The ws:// URL of GET /chat with `query`. */
  url: (query: string) => string
}

/** The app, listening on a free port, with the settings in `env` and no shutdown delay. */
async function room (t: Test, env: Record<string, string> = {}, logLines?: string[]): Promise<Room> {
  const fastify = await build(t, {
    env: { SHUTDOWN_DELAY_MS: '0', ...env },
    ...(logLines === undefined ? {} : { logLines })
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as AddressInfo
  const url = (query: string): string => `ws://127.0.0.1:${port}/chat${query}`
  return {
    fastify,
    url,
    async join (name, options) {
      const client = await ChatClient.connect(url(`?name=${name}`), options)
      t.equal((await client.next()).type, 'history', `${name} gets the history first`)
      t.match(await client.next(), { type: 'presence', joined: [name] }, 'then its own join')
      return client
    }
  }
}

/** `frame` without its time, once the time is checked: ISO 8601. */
function timed (t: Test, frame: Record<string, unknown>): Record<string, unknown> {
  const { at, ...rest } = frame
  t.match(at, ISO, `${String(frame.type)} at an ISO time`)
  return rest
}

/** The messages of the next `count` error frames `client` gets, the frames before them read and left. */
async function errorFrames (client: ChatClient, count: number): Promise<string[]> {
  const messages: string[] = []
  while (messages.length < count) {
    const frame = await client.next()
    if (frame.type === 'error') messages.push(frame.message)
  }
  return messages
}

/** The app's metrics text. */
async function metrics (fastify: FastifyInstance): Promise<string> {
  return (await fastify.inject('/metrics')).body
}

t.test('a missing or malformed ?name is refused before the upgrade: 400 JSON naming the field', async (t) => {
  const { fastify, url } = await room(t)
  const missing = await refusedUpgrade(url(''))
  t.equal(missing.statusCode, 400)
  t.match(missing.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(missing.body), {
    statusCode: 400,
    error: 'Bad Request',
    code: 'FST_ERR_VALIDATION',
    message: "querystring must have required property 'name'"
  })
  for (const name of ['', 'ann%20lee', 'a'.repeat(33), '%C3%A9mile', 'ann!']) {
    const refused = await refusedUpgrade(url(`?name=${name}`))
    t.equal(refused.statusCode, 400, name)
    t.same(JSON.parse(refused.body), {
      statusCode: 400,
      error: 'Bad Request',
      code: 'FST_ERR_VALIDATION',
      message: 'querystring/name must match pattern "^[A-Za-z0-9_-]{1,32}$"'
    })
  }
  t.match(await metrics(fastify), /\nchat_connections_open 0\n/, 'nobody joined')
  const longest = await ChatClient.connect(url(`?name=${'a'.repeat(31)}_`))
  t.equal((await longest.next()).type, 'history', '32 characters, an underscore among them, are a name')
  const dashed = await ChatClient.connect(url('?name=Ann-2'))
  t.equal((await dashed.next()).type, 'history', 'capitals, digits and a dash too')
})

t.test('a plain GET /chat, not an upgrade, is 426 JSON with Upgrade: websocket', async (t) => {
  const fastify = await build(t)
  const response = await fastify.inject('/chat?name=ann')
  t.equal(response.statusCode, 426)
  t.equal(response.headers.upgrade, 'websocket')
  t.match(response.headers['content-type'], /^application\/json/)
  t.same(response.json(), {
    statusCode: 426,
    error: 'Upgrade Required',
    message: '/chat speaks WebSocket only: ask for an upgrade (Connection: Upgrade, Upgrade: websocket)'
  })
  t.equal((await fastify.inject('/chat')).statusCode, 400, 'the name is checked first')
})

t.test(
  'a message is broadcast to everyone, its sender included, with an increasing id, the name and the time',
  async (t) => {
    const { join } = await room(t)
    const ann = await join('ann')
    const bob = await join('bob')
    t.match(await ann.next(), { type: 'presence', joined: ['bob'] })
    ann.send({ type: 'message', text: 'hello, bob', mood: 'fine' })
    for (const client of [ann, bob]) {
      t.same(timed(t, await client.next()), { type: 'message', id: 1, from: 'ann', text: 'hello, bob' },
        'extra fields left out')
    }
    bob.send({ type: 'message', text: 'hi ann 👋' })
    for (const client of [ann, bob]) {
      t.same(timed(t, await client.next()), { type: 'message', id: 2, from: 'bob', text: 'hi ann 👋' })
    }
  }
)

t.test('joins go to everyone, the newcomer included, and leaves to the others, with the sockets online', async (t) => {
  const { join, url } = await room(t)
  const ann = await ChatClient.connect(url('?name=ann'))
  t.same(await ann.next(), { type: 'history', messages: [], online: 1 })
  t.same(timed(t, await ann.next()), joinedFrame('ann', 1))
  const bob = await ChatClient.connect(url('?name=bob'))
  t.same(await bob.next(), { type: 'history', messages: [], online: 2 })
  for (const client of [bob, ann]) t.same(timed(t, await client.next()), joinedFrame('bob', 2))
  const secondAnn = await join('ann')
  for (const client of [ann, bob]) {
    t.same(timed(t, await client.next()), joinedFrame('ann', 3), 'a name may join twice')
  }
  t.same(await bob.close(), { code: 1005, reason: '' }, 'bob leaves')
  for (const client of [ann, secondAnn]) {
    t.same(timed(t, await client.next()), leftFrame('bob', 2))
  }
  secondAnn.socket.terminate()
  t.same(timed(t, await ann.next()), leftFrame('ann', 1), 'a socket that drops leaves too')
})

t.test('a newcomer first gets the last CHAT_HISTORY messages, oldest first', async (t) => {
  const { join, url } = await room(t, { CHAT_HISTORY: '2' })
  const ann = await join('ann')
  for (const text of ['one', 'two', 'three']) {
    ann.send({ type: 'message', text })
    t.equal((await ann.next()).text, text)
  }
  const bob = await ChatClient.connect(url('?name=bob'))
  const history = await bob.next()
  t.equal(history.type, 'history')
  t.same(history.messages.map((message: Record<string, unknown>) => timed(t, message)), [
    { type: 'message', id: 2, from: 'ann', text: 'two' },
    { type: 'message', id: 3, from: 'ann', text: 'three' }
  ])
  t.same(Object.keys(history), ['type', 'messages', 'online'])
  t.equal(history.online, 2)
  t.same(timed(t, await bob.next()), joinedFrame('bob', 2), 'then the join')
})

t.test(
  'a frame that is not JSON, or not a JSON object, or binary, gets an error frame saying so; the socket stays open',
  async (t) => {
    const { join } = await room(t)
    const ann = await join('ann')
    const bob = await join('bob')
    const refused: Array<[string | Buffer, string]> = [
      ['hello', 'frame is not JSON: Unexpected token \'h\', "hello" is not valid JSON'],
      ['', 'frame is not JSON: Unexpected end of JSON input'],
      ['[{"type":"message","text":"hi"}]', 'a frame must be a JSON object: {"type":"message","text":"..."}'],
      ['42', 'a frame must be a JSON object: {"type":"message","text":"..."}'],
      ['null', 'a frame must be a JSON object: {"type":"message","text":"..."}'],
      ['"hi"', 'a frame must be a JSON object: {"type":"message","text":"..."}'],
      [Buffer.from('{"type":"message","text":"hi"}'), 'frames must be JSON text']
    ]
    for (const [data, message] of refused) {
      bob.socket.send(data, { binary: Buffer.isBuffer(data) })
      t.same(await bob.next(), { type: 'error', message }, String(data))
    }
    await bob.ping()
    bob.send({ type: 'message', text: 'still here' })
    t.match(await ann.next(), { type: 'presence', joined: ['bob'] })
    t.match(await ann.next(), { type: 'message', id: 1, from: 'bob', text: 'still here' },
      'the others got none of the errors, and the next message')
    t.match(await bob.next(), { type: 'message', id: 1 })
  }
)

t.test(
  'a frame of an unknown type, or without a non-empty string text, or too long, gets an error frame saying so',
  async (t) => {
    const { join } = await room(t)
    const ann = await join('ann')
    const refused: Array<[unknown, string]> = [
      [{ type: 'x', text: 'hi' }, 'unknown type "x"; the only type is "message"'],
      [{ type: 7 }, 'unknown type 7; the only type is "message"'],
      [{ text: 'hi' }, 'type is missing; the only type is "message"'],
      [{ type: 'message' }, 'text must be a non-empty string'],
      [{ type: 'message', text: 5 }, 'text must be a non-empty string'],
      [{ type: 'message', text: '' }, 'text must be a non-empty string'],
      [{ type: 'message', text: 'a'.repeat(2001) }, 'text is 2001 bytes; at most 2000'],
      [{ type: 'message', text: `${'é'.repeat(1000)}a` }, 'text is 2001 bytes; at most 2000']
    ]
    for (const [frame, message] of refused) {
      ann.send(frame)
      t.same(await ann.next(), { type: 'error', message }, JSON.stringify(frame).slice(0, 40))
    }
    // 2000 bytes in two-byte characters; then 2000 control characters, each escaped to six bytes of JSON.
    for (const text of ['é'.repeat(1000), '\u0001'.repeat(2000)]) {
      ann.send({ type: 'message', text })
      t.equal((await ann.next()).text, text, 'a text of 2000 bytes is broadcast, however it is escaped')
    }
  }
)

t.test(
  'more than CHAT_RATE_PER_10S messages within 10 s: the next gets an error frame, and the socket stays open',
  async (t) => {
    const { join } = await room(t, { CHAT_RATE_PER_10S: '3' })
    const ann = await join('ann')
    for (const text of ['one', 'two', 'three', 'four']) ann.send({ type: 'message', text })
    for (const id of [1, 2, 3]) t.match(await ann.next(), { type: 'message', id })
    t.same(await ann.next(), { type: 'error', message: 'at most 3 messages per 10 s' })
    await ann.ping()
  }
)

t.test('past CHAT_ROOM_RATE_PER_S messages a second from all senders, the next is refused with an error frame, counted',
  async (t) => {
    const { fastify, join } = await room(t, { CHAT_ROOM_RATE_PER_S: '2' })
    const bob = await join('bob')
    // Together: the third comes well within the half second in which the room would take one more.
    for (const text of ['one', 'two', 'three']) bob.send({ type: 'message', text })
    for (const id of [1, 2]) t.match(await bob.next(), { type: 'message', id })
    t.same(await bob.next(), {
      type: 'error',
      message: 'message not sent: the room takes at most 2 messages a second; try again in a moment'
    })
    t.match(await metrics(fastify), /\nchat_errors_total\{reason="room_busy"\} 1\n/)
    await bob.ping()
  })

t.test(
  'a client that gets more than 10 error frames within 10 s is closed with 1008 and a reason; the others see it leave',
  async (t) => {
    const { fastify, join } = await room(t)
    const ann = await join('ann')
    const mallory = await join('mallory')
    t.match(await ann.next(), { type: 'presence', joined: ['mallory'] })
    for (let sent = 0; sent < 12; sent++) mallory.socket.send('{')
    for (let error = 0; error < 10; error++) t.match(await mallory.next(), { type: 'error' })
    t.same(await mallory.closed, { code: 1008, reason: 'more than 10 bad frames in 10 s' })
    t.match(await ann.next(), leftFrame('mallory', 1))
    const text = await metrics(fastify)
    t.match(text, /\nchat_errors_total\{reason="invalid_json"\} 11\n/, 'the frame sent after the 11th, once the socket was closing, went unread')
    t.match(text, /\nchat_errors_total\{reason="abuse"\} 1\n/)
  }
)

t.test('a frame over 6 × CHAT_MAX_MESSAGE_BYTES + 1 KiB closes the socket with 1009 and a reason', async (t) => {
  const { join } = await room(t)
  const ann = await join('ann')
  ann.socket.send('a'.repeat(13_024))
  t.match(await ann.next(), { type: 'error', message: /^frame is not JSON: / }, 'a frame of 13,024 bytes is read')
  ann.socket.send('a'.repeat(13_025))
  t.same(await ann.closed, { code: 1009, reason: 'frame is 13025 bytes; at most 13024' })
})

t.test(
  'the heartbeat closes a peer that does not answer pings, announced as leaving, and keeps one that does',
  async (t) => {
    // Long enough that a busy machine answers a ping before the next: a timer that fires late runs before the I/O that
    // waited.
    const { join } = await room(t, { CHAT_HEARTBEAT_MS: '300' })
    const live = await join('live')
    let pings = 0
    live.socket.on('ping', () => { pings++ })
    const dead = await join('dead', { autoPong: false })
    t.match(await live.next(), joinedFrame('dead', 2))
    t.same(await dead.closed, { code: 1006, reason: '' }, 'terminated, with no closing handshake')
    t.match(await live.next(), leftFrame('dead', 1))
    const pingsThen = pings
    await new Promise<void>((resolve) => { live.socket.on('ping', () => { if (pings >= pingsThen + 3) resolve() }) })
    t.equal(live.socket.readyState, WebSocket.OPEN, 'the one that answers is still open three pings later')
    await live.ping()
  }
)

t.test('CHAT_HEARTBEAT_MS=0: no pings, and a peer that would not answer them stays', async (t) => {
  const { join } = await room(t, { CHAT_HEARTBEAT_MS: '0' })
  const quiet = await join('quiet', { autoPong: false })
  let pinged = false
  quiet.socket.on('ping', () => { pinged = true })
  // No event marks a ping that never comes: a heartbeat of any period under this would have sent one.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.notOk(pinged)
  await quiet.ping()
})

t.test('a stop closes every socket with 1001 and a reason, and completes', async (t) => {
  const { fastify, join, url } = await room(t)
  const ann = await join('ann')
  const bob = await join('bob')
  await fastify.shutdown.stop()
  t.same(await ann.closed, { code: 1001, reason: 'server stopping' })
  t.same(await bob.closed, { code: 1001, reason: 'server stopping' })
  await t.rejects(ChatClient.connect(url('?name=carol')), { code: 'ECONNREFUSED' }, 'and takes no one else')
})

t.test('/metrics counts the sockets open, the messages broadcast and the errors by reason, each from 0', async (t) => {
  const { fastify, join } = await room(t, { CHAT_RATE_PER_10S: '2' })
  t.match(await metrics(fastify), [
    "# HELP chat_connections_open This process's sockets in the chat room",
    '# TYPE chat_connections_open gauge',
    'chat_connections_open 0',
    '',
    "# HELP chat_messages_total Chat messages broadcast from this process's sockets",
    '# TYPE chat_messages_total counter',
    'chat_messages_total 0',
    '',
    '# HELP chat_clients_dropped_total Chat sockets cut off for reading too slowly',
    '# TYPE chat_clients_dropped_total counter',
    'chat_clients_dropped_total 0',
    '',
    '# HELP chat_sockets_refused_total Chat sockets refused before the upgrade: their client held its cap ' +
      '(per_client), or the service did (total)',
    '# TYPE chat_sockets_refused_total counter',
    'chat_sockets_refused_total{reason="per_client"} 0',
    'chat_sockets_refused_total{reason="total"} 0',
    '',
    '# HELP chat_errors_total Chat frames refused, and sockets closed for what they sent, by reason',
    '# TYPE chat_errors_total counter',
    ...[
      'invalid_json', 'invalid_frame', 'unknown_type', 'too_long', 'binary', 'rate_limited', 'frame_too_large', 'abuse',
      'unavailable',
      'room_busy'
    ].map((reason) => `chat_errors_total{reason="${reason}"} 0`)
  ].join('\n'))
  const ann = await join('ann')
  const bob = await join('bob')
  const carol = await join('carol')
  for (const text of ['one', 'two', 'three']) ann.send({ type: 'message', text })
  t.equal((await errorFrames(ann, 1))[0], 'at most 2 messages per 10 s')
  bob.socket.send('{')
  bob.socket.send(Buffer.from([1]))
  bob.send({ type: 'message', text: 'a'.repeat(2001) })
  await errorFrames(bob, 3)
  carol.socket.send('a'.repeat(13_025))
  await carol.closed
  t.match(await ann.next(), { type: 'presence', left: ['carol'] })
  const text = await metrics(fastify)
  const expected = {
    chat_connections_open: 2,
    chat_messages_total: 2,
    'chat_errors_total{reason="invalid_json"}': 1,
    'chat_errors_total{reason="invalid_frame"}': 0,
    'chat_errors_total{reason="unknown_type"}': 0,
    'chat_errors_total{reason="too_long"}': 1,
    'chat_errors_total{reason="binary"}': 1,
    'chat_errors_total{reason="rate_limited"}': 1,
    'chat_errors_total{reason="frame_too_large"}': 1,
    'chat_errors_total{reason="abuse"}': 0,
    'chat_errors_total{reason="unavailable"}': 0
  }
  for (const [series, value] of Object.entries(expected)) {
    t.ok(text.includes(`\n${series} ${value}\n`), `${series} ${value}`)
  }
})

t.test('a socket in the room is no request in flight, and its leaving is no abandoned request', async (t) => {
  const logLines: string[] = []
  const { fastify, join } = await room(t, { LOG_LEVEL: 'info' }, logLines)
  const ann = await join('ann')
  const bob = await join('bob')
  t.match(await ann.next(), { type: 'presence', joined: ['bob'] })
  t.match(await metrics(fastify), /\nhttp_requests_in_flight 1\n/, 'only the scrape itself')
  await bob.close()
  t.match(await ann.next(), { type: 'presence', left: ['bob'] })
  const lines = logLines.map((line) => JSON.parse(line))
  t.notOk(lines.some(({ msg }) => msg === 'request aborted: the connection closed first'))
  t.match(lines.filter(({ msg }) => msg === 'chat socket closed'),
    [{ level: 30, name: 'bob', code: 1005, reason: '', durationMs: Number }], 'one line when it closes, saying how')
})

t.test(
  'a client that lets more than CHAT_MAX_BUFFERED_BYTES pile up unread is cut off, counted, and leaves',
  async (t) => {
    const logLines: string[] = []
    const { fastify, join } = await room(t, { LOG_LEVEL: 'warn', CHAT_MAX_BUFFERED_BYTES: '2000' }, logLines)
    // Whatever the service sends ann stays in the service once she is in, as when she reads nothing and the kernel's
    // buffers are full.
    fastify.websocketServer.on('connection', (_socket: WebSocket, request: IncomingMessage) => {
      if (request.url === '/chat?name=ann') request.socket.cork()
    })
    const ann = await ChatClient.connect(`ws://127.0.0.1:${(fastify.server.address() as AddressInfo).port}/chat?name=ann`)
    const bob = await join('bob')
    for (const text of ['a'.repeat(900), 'b'.repeat(900), 'c'.repeat(900)]) bob.send({ type: 'message', text })
    t.same(await ann.closed, { code: 1006, reason: '' }, 'cut off, with no close frame')
    const frames: Array<{ type: string, left?: string[] }> = []
    while (frames.at(-1)?.left?.length !== 1) frames.push(await bob.next())
    t.match(frames.at(-1), leftFrame('ann', 1))
    t.match(await metrics(fastify), /\nchat_clients_dropped_total 1\n/)
    const [line] = logLines.map((line) => JSON.parse(line) as { level: number, msg: string, bufferedBytes: number })
    t.match(line, { level: 40, msg: 'chat socket dropped: its client reads too slowly' })
    t.ok((line?.bufferedBytes as number) > 2000, `it held ${line?.bufferedBytes} bytes`)
  }
)
