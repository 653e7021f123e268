// Swagger UI on demand: its plugin loads on the first request for /docs, not at start; its answers come through as it
// makes them (HEAD, validators and 304, its redirects), and a file it does not have is this app's JSON 404.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { recordResolvedModules } from '../../helpers/resolved-modules.ts'

// Every module resolved from here on, by import or require.
const resolved = recordResolvedModules()
const SWAGGER_UI = /node_modules\/@fastify\/swagger-ui\//

t.test("Swagger UI's plugin loads on the first request for /docs", async (t) => {
  const fastify = await build(t)
  t.ok(resolved.some((url) => url.includes('plugins/external/swagger-ui')), "the resolve hook sees the app's modules")
  t.equal((await fastify.inject('/sync')).statusCode, 200)
  t.notOk(resolved.some((url) => SWAGGER_UI.test(url)), 'not loaded at start, nor by another route')
  const page = await fastify.inject('/docs')
  t.equal(page.statusCode, 200)
  t.ok(resolved.some((url) => SWAGGER_UI.test(url)), 'loaded for /docs')
})

t.test('HEAD answers as GET does, without the body', async (t) => {
  const fastify = await build(t)
  const get = await fastify.inject('/docs/static/swagger-ui.css')
  const head = await fastify.inject({ method: 'HEAD', url: '/docs/static/swagger-ui.css' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['content-type'], 'text/css; charset=utf-8')
  t.equal(head.headers['content-length'], String(get.rawPayload.length))
  t.ok(get.rawPayload.length > 1000, `the stylesheet is sent by GET (${get.rawPayload.length} bytes)`)
})

t.test("a file's validators are kept: a request that holds its ETag gets 304", async (t) => {
  const fastify = await build(t)
  const first = await fastify.inject('/docs/static/swagger-ui.css')
  const etag = first.headers.etag as string
  t.match(etag, /^(W\/)?"/)
  t.ok(first.headers['last-modified'])
  const again = await fastify.inject({ url: '/docs/static/swagger-ui.css', headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
})

t.test("a file Swagger UI does not have is this app's JSON 404", async (t) => {
  const fastify = await build(t)
  const missing = await fastify.inject('/docs/static/nothing-here.js')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), {
    statusCode: 404,
    error: 'Not Found',
    message: 'Route GET /docs/static/nothing-here.js not found'
  })
})

t.test('its own redirect comes through with its Location', async (t) => {
  const fastify = await build(t)
  const redirect = await fastify.inject('/docs/static/index.html')
  t.equal(redirect.statusCode, 302)
  t.equal(redirect.headers.location, '/docs/')
})
