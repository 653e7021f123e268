// Caps on chat sockets, before the upgrade: a client that holds CHAT_MAX_SOCKETS_PER_CLIENT is refused 429 and others
// go on, the process at CHAT_MAX_SOCKETS refuses everyone 503, each with Retry-After and counted; a socket that closes
// gives its place back; a plain GET holds nothing; under pressure a socket is shed.
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build } from '../../helpers/app.ts'
import { metric } from '../../helpers/metrics.ts'
import { ChatClient, refusedUpgrade } from '../../helpers/ws-client.ts'

async function room (t: Test, env: Record<string, string>): Promise<{ fastify: FastifyInstance, url: string }> {
  const fastify = await build(t, { env: { SHUTDOWN_DELAY_MS: '0', ...env } })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return { fastify, url: `ws://127.0.0.1:${(fastify.server.address() as AddressInfo).port}/chat?name=ann` }
}

async function joined (t: Test, url: string): Promise<ChatClient> {
  const client = await ChatClient.connect(url)
  t.teardown(() => client.close())
  t.equal((await client.next()).type, 'history')
  return client
}

t.test('a client at its cap is refused 429 before the upgrade, counted; a socket it closes gives its place back',
  async (t) => {
    const { fastify, url } = await room(t, { CHAT_MAX_SOCKETS_PER_CLIENT: '2' })
    t.equal(await metric(fastify, 'chat_sockets_refused_total{reason="per_client"}'), 0, 'counted from 0')
    t.equal((await fastify.inject('/chat?name=ann')).statusCode, 426, 'a plain GET is answered, and holds nothing')
    const first = await joined(t, url)
    await joined(t, url)
    const refused = await refusedUpgrade(url)
    t.equal(refused.statusCode, 429)
    t.equal(refused.headers['retry-after'], '5')
    t.same(JSON.parse(refused.body), {
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'This client holds 2 chat sockets, the most one client may'
    })
    t.equal(await metric(fastify, 'chat_sockets_refused_total{reason="per_client"}'), 1)
    await first.close()
    // Its place is given back as its connection closes, a moment after the close handshake.
    let again: ChatClient | undefined
    for (const until = performance.now() + 20_000; again === undefined && performance.now() < until;) {
      again = await ChatClient.connect(url).catch(async () => { await sleep(20); return undefined })
    }
    t.ok(again, 'a socket opens again')
    again?.socket.terminate()
  })

t.test('the process at CHAT_MAX_SOCKETS refuses everyone 503 with Retry-After, counted', async (t) => {
  const { fastify, url } = await room(t, { CHAT_MAX_SOCKETS: '1', CHAT_MAX_SOCKETS_PER_CLIENT: '0' })
  await joined(t, url)
  const refused = await refusedUpgrade(url)
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.equal(JSON.parse(refused.body).message, 'The service holds 1 chat sockets, the most it may')
  t.equal(await metric(fastify, 'chat_sockets_refused_total{reason="total"}'), 1)
})

/** The connections the server holds. */
async function connections (fastify: FastifyInstance): Promise<number> {
  return await new Promise((resolve, reject) => {
    fastify.server.getConnections((error, count) => { if (error === null) resolve(count); else reject(error) })
  })
}

t.test('under pressure, a new socket is shed before the upgrade, as every other request is, its connection closed',
  async (t) => {
    const { fastify, url } = await room(t, { MAX_HEAP_USED_BYTES: '1' })
    while (!fastify.isUnderPressure()) await sleep(50)
    const refused = await refusedUpgrade(url, { keepOpen: true })
    t.equal(refused.statusCode, 503)
    t.equal(refused.headers['retry-after'], '10')
    while (await connections(fastify) > 0) await sleep(20)
    t.pass('the server closed it: an upgrade\'s connection is not kept for another request')
  })

t.test('a rate-limited upgrade gets 429, its connection closed', async (t) => {
  const { fastify, url } = await room(t, { RATE_LIMIT_MAX: '1' })
  await joined(t, url)
  const refused = await refusedUpgrade(url, { keepOpen: true })
  t.equal(refused.statusCode, 429)
  while (await connections(fastify) > 1) await sleep(20)
  t.pass('only the socket in the room is left')
})
