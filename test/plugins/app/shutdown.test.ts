// The shutdown plugin on a bare Fastify: its state, its signals and their timing, Connection: close while stopping, and
// the drain of a listening server's connections.
import { once } from 'node:events'
import { connect, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import configPlugin from '../../../plugins/config.ts'
import answerHeaders from '../../../plugins/app/answer-headers.ts'
import shutdown from '../../../plugins/app/shutdown.ts'
import { cutOffAfter } from '../../../src/server/stop-timing.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'
import { readUntilClosed } from '../../helpers/sockets.ts'

// One test drains for 11 s, past Fastify's limit on a close hook; on a busy machine the file may take several times
// that.
t.setTimeout(120_000)

/**
 * A bare Fastify built with the service's options (which let requests arriving during a drain be served), with the
 * plugin that sets its Connection: close.
 */
async function bare (env: Record<string, string>): Promise<FastifyInstance> {
  const config = await testConfig(env)
  const fastify = Fastify(serverOptions(config))
  await fastify.register(configPlugin, { config })
  await fastify.register(shutdown)
  await fastify.register(answerHeaders)
  fastify.get('/', async () => 'done')
  return fastify
}

t.test('the cut-off comes a quarter of the timeout before its end, a second at most', async (t) => {
  t.equal(cutOffAfter(10_000), 9000)
  t.equal(cutOffAfter(4000), 3000)
  t.equal(cutOffAfter(2000), 1500)
  t.equal(cutOffAfter(400), 300)
})

t.test('stop: stopping at once, then after the delay draining, the cut-off near the timeout, and closed', async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '200', SHUTDOWN_TIMEOUT_MS: '400' })
  const events: Array<[string, number]> = []
  const started = performance.now()
  const mark = (name: string) => () => { events.push([name, performance.now() - started]) }
  fastify.shutdown.draining.addEventListener('abort', mark('draining'))
  fastify.shutdown.cutOff.addEventListener('abort', mark('cut-off'))
  // Something that holds the close past the cut-off, as a request still waiting would.
  fastify.addHook('onClose', async () => { await new Promise((resolve) => setTimeout(resolve, 500)) })
  t.equal(fastify.shutdown.stopping, false)
  const stopped = fastify.shutdown.stop()
  t.equal(fastify.shutdown.stopping, true, 'at once')
  t.equal((await fastify.inject('/')).headers.connection, 'close', 'answers during the delay ask the client to close')
  t.equal(fastify.shutdown.stop(), fastify.shutdown.stop(), 'stopping again changes nothing') // same promise twice
  await stopped
  t.same(events.map(([name]) => name), ['draining', 'cut-off'])
  const [draining, cutOff] = events.map(([, at]) => at) as [number, number]
  t.ok(draining >= 195, `draining after the 200 ms delay (${Math.round(draining)} ms)`)
  t.ok(cutOff >= 495, `the cut-off 300 ms into the 400 ms timeout that follows the delay (${Math.round(cutOff)} ms)`)
})

t.test('with nothing arriving, the serving ends after SHUTDOWN_QUIET_MS, long before the delay', async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '600000', SHUTDOWN_QUIET_MS: '100', SHUTDOWN_TIMEOUT_MS: '400' })
  await fastify.shutdown.stop()
  t.ok(fastify.shutdown.draining.aborted, 'drained and closed, well within the ten-minute delay')
})

t.test('with SHUTDOWN_TIMEOUT_MS=0 there is no cut-off', async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '0' })
  fastify.addHook('onClose', async () => { await new Promise((resolve) => setTimeout(resolve, 300)) })
  await fastify.shutdown.stop()
  t.equal(fastify.shutdown.draining.aborted, true)
  t.equal(fastify.shutdown.cutOff.aborted, false)
})

t.test('closing the app another way ends the delay at once', async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '600000' })
  const stopped = fastify.shutdown.stop()
  const started = performance.now()
  await fastify.close()
  await stopped
  t.ok(performance.now() - started < 30_000, 'did not wait the 10 min delay')
  t.equal(fastify.shutdown.draining.aborted, true)
})

t.test('a stop that ends before the cut-off never aborts it afterwards', async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400' })
  await fastify.shutdown.stop()
  await sleep(600)
  t.equal(fastify.shutdown.cutOff.aborted, false)
})

t.test('closing the app another way asks answers sent meanwhile to close their connection too', async (t) => {
  const fastify = await bare({})
  let release = (): void => {}
  fastify.get('/slow', async () => { await new Promise<void>((resolve) => { release = resolve }); return 'done' })
  const inFlight = fastify.inject('/slow')
  await sleep(20)
  const closed = fastify.close()
  await sleep(20)
  release()
  t.equal((await inFlight).headers.connection, 'close')
  await closed
})

t.test(
  'on a listening server: a connection opened before the drain is served, an idle one closed, and the close ends',
  async (t) => {
    const fastify = await bare({})
    await fastify.listen({ host: '127.0.0.1', port: 0 })
    const { port } = fastify.server.address() as AddressInfo
    // Idle between keep-alive requests when the drain begins.
    const idle = connect(port, '127.0.0.1')
    idle.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const idleReceived = readUntilClosed(idle)
    await once(idle, 'data')
    // Accepted, its request not yet sent.
    const fresh = connect(port, '127.0.0.1')
    await once(fresh, 'connect')
    const drainStarted = once(fastify.shutdown.draining, 'abort')
    const closed = fastify.close().then(() => 'closed')
    await drainStarted
    fresh.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const answer = await readUntilClosed(fresh)
    t.match(answer, /^HTTP\/1\.1 200 OK\r\n/, 'the request sent after the drain began is answered')
    t.match(answer, /\r\nconnection: close\r\n/i, 'asking the client to close')
    t.match(answer, /\r\n\r\ndone$/)
    t.match(await idleReceived, /\r\nconnection: keep-alive\r\n/i, 'the idle one, kept alive before the drain, was closed')
    // The keep-alive timeout is 72 s: a close that waited for it would still be pending.
    const stillClosing = new Promise<string>((resolve) => { setTimeout(resolve, 20_000, 'still closing').unref() })
    t.equal(await Promise.race([closed, stillClosing]), 'closed')
  }
)

t.test('a request on a connection opened before the stop is an arrival: the quiet time starts again', async (t) => {
  const QUIET_MS = 1000
  // A busy machine may send the request only after the quiet time is over: then the round says nothing, and another
  // is tried.
  for (let round = 1; ; round++) {
    const fastify = await bare({ SHUTDOWN_DELAY_MS: '600000', SHUTDOWN_QUIET_MS: String(QUIET_MS) })
    await fastify.listen({ host: '127.0.0.1', port: 0 })
    const { port } = fastify.server.address() as AddressInfo
    const kept = connect(port, '127.0.0.1')
    kept.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await once(kept, 'data')
    const drainStarted = once(fastify.shutdown.draining, 'abort').then(() => performance.now())
    const stopped = fastify.shutdown.stop()
    await sleep(QUIET_MS / 2)
    const sent = performance.now()
    const before = fastify.shutdown.draining.aborted
    kept.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const answer = await readUntilClosed(kept)
    const drainedAfter = (await drainStarted) - sent
    await stopped
    if (before) {
      t.ok(round < 10, `round ${round}: the request went out after the quiet time; another round`)
      continue
    }
    t.match(answer, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nconnection: close\r\n/i, 'answered, asking the client to close')
    t.ok(drainedAfter >= QUIET_MS, `the drain began ${Math.round(drainedAfter)} ms after the request`)
    return
  }
})

t.test("a drain longer than Fastify's 10 s limit on a close hook ends, its request answered", async (t) => {
  const fastify = await bare({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '30000' })
  fastify.get('/slow', async () => { await sleep(11_000); return 'slow done' })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const socket = connect((fastify.server.address() as AddressInfo).port, '127.0.0.1')
  await once(socket, 'connect')
  const answer = readUntilClosed(socket)
  socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n')
  await sleep(200)
  await t.resolves(fastify.shutdown.stop(), 'the stop ends without a timeout error')
  t.match(await answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*slow done$/)
})

t.test('an answer sent before the stop keeps its connection alive', async (t) => {
  const fastify = await bare({})
  t.teardown(() => fastify.close())
  t.equal((await fastify.inject('/')).headers.connection, 'keep-alive')
})

t.test('it declares that it needs config', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await t.rejects(async () => { await fastify.register(shutdown) },
    { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
})
