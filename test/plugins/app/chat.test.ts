// fastify.chat on a bare Fastify with what it needs (config, a shutdown whose drain the test starts, a metrics
// registry, no Redis), for what the whole app cannot show apart: the drain alone closes every socket in the room with
// 1001 and a reason, and a socket that joins after it at once.
import type { AddressInfo } from 'node:net'
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import chat from '../../../plugins/app/chat.ts'
import inFlight from '../../../plugins/app/in-flight.ts'
import metrics from '../../../plugins/app/metrics.ts'
import configPlugin from '../../../plugins/config.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'
import { ChatClient } from '../../helpers/ws-client.ts'

/** The room on a bare Fastify, listening, with GET /chat?name= joining it; `drain` starts the drain. */
async function bare (t: Test): Promise<{ url: (name: string) => string, drain: () => void }> {
  const config = await testConfig()
  const fastify = Fastify(serverOptions(config))
  const draining = new AbortController()
  await fastify.register(configPlugin, { config })
  await fastify.register(fp(async (fastify) => {
    fastify.decorate('shutdown', {
      stopping: false,
      draining: draining.signal,
      cutOff: new AbortController().signal,
      stop: async () => {}
    })
  }, { name: 'shutdown' }))
  await fastify.register(inFlight)
  await fastify.register(metrics)
  await fastify.register(fp(async (fastify) => { fastify.decorate('redis', undefined) }, { name: 'redis' }))
  await fastify.register(websocket)
  await fastify.register(chat)
  fastify.get<{ Querystring: { name: string } }>('/chat', { websocket: true }, (socket, request) => {
    fastify.chat.join(socket, request.query.name, request.log)
  })
  t.teardown(() => fastify.close())
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as AddressInfo
  return { url: (name) => `ws://127.0.0.1:${port}/chat?name=${name}`, drain: () => { draining.abort() } }
}

t.test('it declares that it needs the config, the shutdown, the metrics and the Redis connection', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await t.rejects(async () => { await fastify.register(chat) }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
})

t.test(
  'the drain closes every socket in the room with 1001 and a reason, and one that joins after at once',
  async (t) => {
    const { url, drain } = await bare(t)
    const ann = await ChatClient.connect(url('ann'))
    const bob = await ChatClient.connect(url('bob'))
    for (const frame of ['history', 'presence', 'presence']) t.equal((await ann.next()).type, frame)
    drain()
    t.same(await ann.closed, { code: 1001, reason: 'server stopping' })
    t.same(await bob.closed, { code: 1001, reason: 'server stopping' })
    const late = await ChatClient.connect(url('carol'))
    t.same(await late.closed, { code: 1001, reason: 'server stopping' })
    await t.rejects(late.next(), 'with no frame before')
  }
)
