// The log: one access line per request, secrets redacted, silence when LOG_LEVEL=silent.
import t from 'tap'
import { build } from '../helper.js'

t.test('each request writes exactly one access line with method, url, status, time and id', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  const response = await fastify.inject({ url: '/wait?seconds=0', headers: { 'x-request-id': 'req-1' } })
  await fastify.inject({ method: 'POST', url: '/sync', headers: { 'x-request-id': 'req-2' } })
  const entries = logLines.map((line) => JSON.parse(line))
  t.equal(entries.length, 2, 'one line per request')
  t.match(entries[0], { level: 30, reqId: 'req-1', method: 'GET', url: '/wait?seconds=0', statusCode: 200, msg: 'request completed' })
  t.type(entries[0].responseTime, 'number')
  t.match(entries[1], { reqId: 'req-2', method: 'POST', url: '/sync', statusCode: 405 })
  t.equal(response.statusCode, 200)
})

t.test('authorization and cookie headers are redacted when headers are logged', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  const headers = { authorization: 'Bearer secret', cookie: 'session=secret', accept: '*/*' }
  fastify.log.info({ headers }, 'headers logged by hand')
  fastify.log.info({ req: { headers } }, 'a request logged by hand')
  t.notMatch(logLines.join(''), /secret/)
  const redacted = { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' }
  t.match(JSON.parse(logLines[0] ?? '{}'), { headers: redacted })
  t.notMatch(logLines[1], /headers/, "Fastify's request serializer leaves headers out")
})

t.test('LOG_LEVEL=silent writes nothing, errors included', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, {
    env: { LOG_LEVEL: 'silent' },
    logLines,
    extend: (fastify) => fastify.get('/fail', async () => { throw new Error('boom') })
  })
  await fastify.inject('/sync')
  await fastify.inject('/fail')
  t.same(logLines, [])
})
