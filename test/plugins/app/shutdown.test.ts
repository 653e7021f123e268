// The shutdown plugin on a bare Fastify: its state, its signals and their timing, and Connection: close while stopping.
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import configPlugin from '../../../plugins/config.js'
import shutdown, { cutOffAfter } from '../../../plugins/app/shutdown.js'
import { testConfig } from '../../helper.js'

async function bare (env: Record<string, string>): Promise<FastifyInstance> {
  const fastify = Fastify()
  await fastify.register(configPlugin, { config: await testConfig(env) })
  await fastify.register(shutdown)
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

t.test('an answer sent before the stop keeps its connection alive', async (t) => {
  const fastify = await bare({})
  t.teardown(() => fastify.close())
  t.equal((await fastify.inject('/')).headers.connection, 'keep-alive')
})

t.test('it declares that it needs config', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await t.rejects(async () => { await fastify.register(shutdown) }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
})
