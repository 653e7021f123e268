// 405 with Allow for a known path and another method, OPTIONS answered with Allow, 404 for unknown paths.
import Fastify from 'fastify'
import t from 'tap'
import allowedMethods from '../../../plugins/app/allowed-methods.ts'
import { build, HTML } from '../../helpers/app.ts'

const SEED_ALLOW = 'GET, HEAD, OPTIONS'

t.test('another method on a known path is 405 with the path\'s Allow', async (t) => {
  const fastify = await build(t)
  for (const [method, url] of [
    ['POST', '/'], ['PUT', '/sync'], ['DELETE', '/wait'], ['PATCH', '/wait?seconds=1']
  ] as const) {
    const response = await fastify.inject({ method, url })
    t.equal(response.statusCode, 405, `${method} ${url}`)
    t.equal(response.headers.allow, SEED_ALLOW)
    t.match(response.headers['content-type'], /^application\/json/)
    t.same(response.json(), {
      statusCode: 405,
      error: 'Method Not Allowed',
      message: `Method ${method} is not allowed on ${url}; allowed: ${SEED_ALLOW}`
    })
  }
})

t.test('OPTIONS on a known path answers 200 with Allow and no body', async (t) => {
  const fastify = await build(t)
  for (const url of ['/', '/sync', '/wait']) {
    const response = await fastify.inject({ method: 'OPTIONS', url })
    t.equal(response.statusCode, 200, url)
    t.equal(response.headers.allow, SEED_ALLOW)
    t.equal(response.headers['content-type'], HTML, 'as Flask sends it')
    t.equal(response.body, '')
  }
})

t.test('an unknown path is 404 whatever the method, a trailing slash included', async (t) => {
  const fastify = await build(t)
  for (const [method, url] of [
    ['GET', '/nope'], ['GET', '/sync/'], ['OPTIONS', '/nope'], ['POST', '/wait/x']
  ] as const) {
    const response = await fastify.inject({ method, url })
    t.equal(response.statusCode, 404, `${method} ${url}`)
    t.notOk(response.headers.allow)
    t.same(response.json(), { statusCode: 404, error: 'Not Found', message: `Route ${method} ${url} not found` })
  }
})

t.test('Allow gathers every method of a path, parametric paths and method lists included', async (t) => {
  const fastify = await build(t, {
    extend: (fastify) => {
      fastify.get('/items/:id', async () => 'item')
      fastify.route({ method: ['PUT', 'DELETE'], url: '/items/:id', handler: async () => 'changed' })
      fastify.post('/items', async () => 'created')
    }
  })
  const options = await fastify.inject({ method: 'OPTIONS', url: '/items/42' })
  t.equal(options.headers.allow, 'DELETE, GET, HEAD, OPTIONS, PUT')
  const patch = await fastify.inject({ method: 'PATCH', url: '/items/42?x=1' })
  t.equal(patch.statusCode, 405)
  t.equal(patch.headers.allow, 'DELETE, GET, HEAD, OPTIONS, PUT')
  const get = await fastify.inject({ method: 'GET', url: '/items' })
  t.equal(get.statusCode, 405)
  t.equal(get.headers.allow, 'OPTIONS, POST')
})

t.test('on a bare Fastify, paths match as Fastify\'s router is told to match them', async (t) => {
  const fastify = Fastify({ routerOptions: { ignoreTrailingSlash: true, caseSensitive: false } })
  t.teardown(() => fastify.close())
  await fastify.register(allowedMethods)
  fastify.get('/items', async () => 'items')
  await fastify.ready()
  for (const url of ['/items', '/items/', '/ITEMS']) t.equal(fastify.allowedMethods(url), 'GET, HEAD, OPTIONS', url)
  t.equal(fastify.allowedMethods('/other'), undefined)
})
