// fastify.dependency: shared by the routes, and its pending calls cancelled when the app closes.
import sensible from '@fastify/sensible'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import dependency from '../../../plugins/app/dependency.ts'
import inFlight from '../../../plugins/app/in-flight.ts'
import metrics from '../../../plugins/app/metrics.ts'
import configPlugin from '../../../plugins/config.ts'
import shutdown from '../../../plugins/app/shutdown.ts'
import { build, testConfig } from '../../helpers/app.ts'

/** A bare Fastify with what the plugin needs: config, @fastify/sensible, the shutdown and the metrics. */
async function bare (): Promise<FastifyInstance> {
  const fastify = Fastify()
  await fastify.register(configPlugin, {
    config: await testConfig({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400' })
  })
  await fastify.register(sensible)
  await fastify.register(shutdown)
  await fastify.register(inFlight)
  await fastify.register(metrics)
  await fastify.register(dependency)
  return fastify
}

t.test(
  'on a bare Fastify with what it needs, it decorates fastify.dependency and cancels its calls on close',
  async (t) => {
    const fastify = await bare()
    const rejected = t.rejects(fastify.dependency.call({ latencyMs: 10_000 }),
      { statusCode: 503, message: 'The service is shutting down' })
    t.equal(fastify.dependency.inFlight, 1)
    await fastify.close()
    await rejected
  }
)

t.test(
  'at the shutdown\'s cut-off, shortly before the timeout, its calls are cancelled with 503 and Retry-After',
  async (t) => {
    const fastify = await bare()
    // Holds the close past the cut-off, as connections still draining would: the call must not wait for the close.
    let drained = false
    fastify.addHook('preClose', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      drained = true
    })
    const call = fastify.dependency.call({ latencyMs: 10_000 })
    const stopping = fastify.shutdown.stop()
    await t.rejects(call, { statusCode: 503, message: 'The service is shutting down', headers: { 'retry-after': '1' } })
    t.equal(drained, false, 'cancelled at the cut-off, while connections were still draining')
    t.equal(fastify.dependency.inFlight, 0)
    await stopping
  }
)

t.test('it declares that it needs @fastify/sensible, the shutdown and the metrics', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await t.rejects(async () => { await fastify.register(dependency) },
    { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
})

t.test('closing the app cancels pending calls with a 503 error', async (t) => {
  const fastify = await build(t)
  // Watched before the close, which may take turns of the event loop: a rejection nobody watched yet would be
  // unhandled.
  const rejected = t.rejects(fastify.dependency.call({ latencyMs: 10_000 }),
    { statusCode: 503, message: 'The service is shutting down' })
  await fastify.close()
  await rejected
  t.equal(fastify.dependency.inFlight, 0)
})

t.test('without a listening server, a request in flight when the app closes is answered 503 at once', async (t) => {
  const fastify = await build(t)
  const started = performance.now()
  const response = fastify.inject('/wait?seconds=10')
  await new Promise((resolve) => setTimeout(resolve, 50))
  await fastify.close()
  const answer = await response
  t.equal(answer.statusCode, 503)
  t.same(answer.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The service is shutting down' })
  t.ok(performance.now() - started < 5000, 'did not wait 10 s')
})
