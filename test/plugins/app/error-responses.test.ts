// The error-responses plugin on a bare Fastify: which routes' schemas get 503 and 429, and that it needs config.
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import t from 'tap'
import configPlugin from '../../../plugins/config.ts'
import errorResponses from '../../../plugins/app/error-responses.ts'
import { testConfig } from '../../helpers/app.ts'

/** The statuses each route's response schema lists once the plugin has seen the routes, by URL. */
async function responseStatuses (env: Record<string, string>): Promise<Record<string, string[]>> {
  const fastify: FastifyInstance = Fastify()
  // The route options themselves: the plugin, whose onRoute hook runs after this one, gives them a schema of their own.
  const routes: Record<string, RouteOptions> = {}
  fastify.addHook('onRoute', (route) => { if (route.method === 'GET') routes[route.url] = route })
  await fastify.register(configPlugin, { config: await testConfig(env) })
  await fastify.register(errorResponses)
  // One schema for all three, as routes may share one.
  const ok = { response: { 200: { type: 'string' } } }
  fastify.get('/plain', { schema: ok }, async () => 'ok')
  fastify.get('/exempt-from-shedding', { schema: ok, config: { pressureHandler: () => undefined } }, async () => 'ok')
  fastify.get('/exempt-from-limits', { schema: ok, config: { rateLimit: false } }, async () => 'ok')
  fastify.get('/no-schema', async () => 'ok')
  await fastify.ready()
  await fastify.close()
  return Object.fromEntries(Object.entries(routes).map(([url, route]) =>
    [url, Object.keys((route.schema?.response ?? {}) as object)]))
}

t.test(
  'every route with a schema gets 503; with rate limiting on, 429 too; exempt routes neither; no schema, none',
  async (t) => {
    t.same(await responseStatuses({}), {
      '/plain': ['200', '503'],
      '/exempt-from-shedding': ['200'],
      '/exempt-from-limits': ['200', '503'],
      '/no-schema': []
    })
    t.same(await responseStatuses({ RATE_LIMIT_MAX: '10' }), {
      '/plain': ['200', '429', '503'],
      '/exempt-from-shedding': ['200', '429'],
      '/exempt-from-limits': ['200', '503'],
      '/no-schema': []
    })
  }
)

t.test('it declares that it needs config', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await t.rejects(async () => { await fastify.register(errorResponses) },
    { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
})
