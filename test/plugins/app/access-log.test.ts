// The log: one access line per request, secrets redacted, silence when LOG_LEVEL=silent.
import { once } from 'node:events'
import { Agent, get, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout } from 'node:timers/promises'
import Fastify from 'fastify'
import t from 'tap'
import accessLog from '../../../plugins/app/access-log.ts'
import inFlight from '../../../plugins/app/in-flight.ts'
import { build } from '../../helpers/app.ts'

t.test('each request writes exactly one access line with method, url, status, time and id', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  const response = await fastify.inject({ url: '/wait?seconds=0.1', headers: { 'x-request-id': 'req-1' } })
  await fastify.inject({ method: 'POST', url: '/sync', headers: { 'x-request-id': 'req-2' } })
  const entries = logLines.map((line) => JSON.parse(line))
  t.equal(entries.length, 2, 'one line per request')
  t.match(entries[0], {
    level: 30, reqId: 'req-1', method: 'GET', url: '/wait?seconds=0.1', statusCode: 200, msg: 'request completed'
  })
  const { responseTime } = entries[0]
  t.ok(responseTime >= 95 && responseTime < 5000, `responseTime is in ms: the 100 ms wait took ${responseTime}`)
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

t.test('a client that disconnects first gets an "aborted" line instead of an access line', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info', ROOT_DELAY_MS: '300' }, logLines })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const { port } = fastify.server.address() as AddressInfo
  const request = get({ host: '127.0.0.1', port, path: '/', headers: { 'x-request-id': 'gone' } })
  request.on('error', () => {})
  while (fastify.dependency.inFlight === 0) await setTimeout(5)
  const linesBefore = logLines.length
  request.destroy()
  while (logLines.length === linesBefore) await setTimeout(5)
  await setTimeout(400)
  const after = logLines.slice(linesBefore).map((line) => JSON.parse(line))
  t.match(after,
    [{ level: 30, reqId: 'gone', method: 'GET', url: '/', msg: 'request aborted: the connection closed first' }])
  t.equal(after.length, 1, 'one line: no access line when the handler finishes later, no error')
})

t.test('a connection closed after its answer adds no line', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const { port } = fastify.server.address() as AddressInfo
  const linesBefore = logLines.length
  const agent = new Agent({ keepAlive: true })
  const response = await new Promise<IncomingMessage>((resolve) =>
    get({ host: '127.0.0.1', port, path: '/sync', agent }, resolve))
  response.resume()
  await once(response, 'end')
  const [socket] = Object.values(agent.sockets).flat().concat(Object.values(agent.freeSockets).flat())
  socket?.destroy()
  agent.destroy()
  await setTimeout(100)
  t.match(logLines.slice(linesBefore).map((line) => JSON.parse(line)), [{ msg: 'request completed', url: '/sync' }])
  t.equal(logLines.length, linesBefore + 1)
})

t.test('on a bare Fastify, its hooks hand on: hooks added after it still run', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(inFlight)
  await fastify.register(accessLog)
  const ran: string[] = []
  fastify.addHook('onRequest', async () => { ran.push('onRequest') })
  fastify.addHook('onResponse', async () => { ran.push('onResponse') })
  fastify.get('/', async () => 'ok')
  t.equal((await fastify.inject('/')).body, 'ok')
  t.same(ran, ['onRequest', 'onResponse'])
})
