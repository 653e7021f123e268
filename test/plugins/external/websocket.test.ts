// The @fastify/websocket wrapper on a bare Fastify: ws's limits from config; a frame that breaks the protocol closed by
// ws and logged at debug, a handler that fails closed with 1011 and logged as an error; at the close, every socket told
// the service is stopping (1001), and the websocket server closed.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import websocket, { autoConfig } from '../../../plugins/external/websocket.ts'
import configPlugin from '../../../plugins/config.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'
import { ChatClient } from '../../helpers/ws-client.ts'

/** The wrapper on a bare Fastify, listening, with routes: /echo answers each frame with its length, /fail throws. */
async function bare (
  t: Test,
  env: Record<string, string>,
  logLines: string[] = []
): Promise<{ fastify: FastifyInstance, url: (path: string) => string }> {
  const config = await testConfig({ LOG_LEVEL: 'debug', ...env })
  const fastify = Fastify(serverOptions(config, { write: (line: string) => { logLines.push(line) } }))
  await fastify.register(configPlugin, { config })
  await fastify.register(websocket, autoConfig(fastify))
  fastify.get('/echo', { websocket: true }, (socket) => {
    socket.on('message', (data: Buffer) => { socket.send(JSON.stringify({ bytes: data.length })) })
  })
  fastify.get('/fail', { websocket: true }, () => { throw new Error('a bug') })
  t.teardown(() => fastify.close())
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as AddressInfo
  return { fastify, url: (path) => `ws://127.0.0.1:${port}${path}` }
}

/** The JSON log lines written so far with message `msg`. */
const logged = (logLines: string[], msg: string): Array<Record<string, unknown>> =>
  logLines.map((line) => JSON.parse(line)).filter((line) => line.msg === msg)

t.test(
  'ws reads frames up to twice the chat frame limit, 2 × (6 × CHAT_MAX_MESSAGE_BYTES + 1 KiB), and gives a close 2 s',
  async (t) => {
    const { fastify } = await bare(t, { CHAT_MAX_MESSAGE_BYTES: '100' })
    t.match(fastify.websocketServer.options, { maxPayload: 3248, closeTimeout: 2000 })
  }
)

t.test(
  'a frame over maxPayload: closed by ws with 1009, logged at debug as the client breaking the protocol',
  async (t) => {
    const logLines: string[] = []
    const { url } = await bare(t, { CHAT_MAX_MESSAGE_BYTES: '100' }, logLines)
    const client = await ChatClient.connect(url('/echo'))
    client.socket.send('a'.repeat(3248))
    t.same(await client.next(), { bytes: 3248 }, 'the largest frame is read')
    client.socket.send('a'.repeat(3249))
    t.same(await client.closed, { code: 1009, reason: '' })
    t.match(logged(logLines, 'websocket closed: the client broke the protocol'),
      [{ level: 20, err: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } }])
    t.same(logged(logLines, 'websocket handler failed'), [])
  }
)

t.test(
  'a handler that throws: the socket closed with 1011 and a reason, the error logged with its stack',
  async (t) => {
    const logLines: string[] = []
    const { url } = await bare(t, {}, logLines)
    const client = await ChatClient.connect(url('/fail'))
    t.same(await client.closed, { code: 1011, reason: 'internal error' })
    t.match(logged(logLines, 'websocket handler failed'), [{ level: 50, err: { message: 'a bug', stack: /Error: a bug/ } }])
  }
)

t.test(
  'at the close, every socket is closed with 1001 and a reason, the websocket server is closed, ' +
    'and the close completes',
  async (t) => {
    const { fastify, url } = await bare(t, {})
    const clients = [await ChatClient.connect(url('/echo')), await ChatClient.connect(url('/echo'))]
    // ws's server emits 'close' only once closed, when its last socket is gone.
    const serverClosed = once(fastify.websocketServer, 'close')
    await fastify.close()
    for (const client of clients) t.same(await client.closed, { code: 1001, reason: 'server stopping' })
    await serverClosed
  }
)
