// x-request-id: a well-formed one is echoed and logged, anything else replaced by a generated id.
import Fastify from 'fastify'
import t from 'tap'
import requestId from '../../../plugins/app/request-id.ts'
import { build } from '../../helpers/app.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('a well-formed x-request-id is echoed and names the request in the log', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  for (const id of ['abc-123', 'trace_id.1:2', '7f8c1e0a-9b2d-4c3e-8f1a-2b3c4d5e6f70', 'x'.repeat(64)]) {
    const response = await fastify.inject({ url: '/sync', headers: { 'x-request-id': id } })
    t.equal(response.headers['x-request-id'], id)
    t.ok(logLines.some((line) => JSON.parse(line).reqId === id), 'the access line carries it')
  }
})

t.test('a missing or malformed x-request-id is replaced, never echoed', async (t) => {
  const fastify = await build(t)
  const hostile = ['', 'has space', '<script>alert(1)</script>', 'x'.repeat(65), 'line\\nbreak', 'a/b', 'é']
  for (const id of hostile) {
    const response = await fastify.inject({ url: '/sync', headers: { 'x-request-id': id } })
    t.match(response.headers['x-request-id'], UUID, JSON.stringify(id))
  }
  const missing = await fastify.inject('/sync')
  t.match(missing.headers['x-request-id'], UUID, 'missing')
  const repeated = await fastify.inject({ url: '/sync', headers: { 'x-request-id': ['a', 'b'] } })
  t.match(repeated.headers['x-request-id'], UUID, 'repeated')
  const otherHeader = await fastify.inject({ url: '/sync', headers: { 'request-id': 'from-another-header' } })
  t.match(otherHeader.headers['x-request-id'], UUID, 'only x-request-id is read')
})

t.test('every request gets its own id, errors included', async (t) => {
  const fastify = await build(t)
  const ids = new Set<string>()
  for (const url of ['/sync', '/sync', '/nope']) ids.add(String((await fastify.inject(url)).headers['x-request-id']))
  t.equal(ids.size, 3)
})

t.test('on a bare Fastify, the plugin sends back whatever id Fastify gave the request', async (t) => {
  const fastify = Fastify({ genReqId: () => 'given-by-fastify' })
  t.teardown(() => fastify.close())
  await fastify.register(requestId)
  fastify.get('/', async () => 'ok')
  t.equal((await fastify.inject('/')).headers['x-request-id'], 'given-by-fastify')
})
