// fastify.inFlight: counts the requests received and not yet ended, shows each request to its start listeners (which
// may refuse it), and tells each request's end, answered or abandoned.
import { once } from 'node:events'
import { Agent, get, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import inFlight from '../../../plugins/app/in-flight.ts'

/**
 * A bare Fastify with the plugin, a route that answers after ?ms and one whose body is a stream that never ends,
 * listening on a free port; the ends it was told.
 */
async function listening (t: Test): Promise<{ fastify: FastifyInstance, port: number, ends: string[] }> {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(inFlight)
  const ends: string[] = []
  fastify.inFlight.onEnd((reply, aborted) => ends.push(`${reply.request.url} ${aborted ? 'aborted' : 'answered'}`))
  fastify.get('/slow', async (request) => {
    await sleep(Number((request.query as { ms: string }).ms))
    return 'done'
  })
  fastify.get('/stream', async () => new Readable({ read () { this.push('streaming') } }))
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return { fastify, port: (fastify.server.address() as AddressInfo).port, ends }
}

t.test('a request counts while it is served, and its end is told as answered', async (t) => {
  const { fastify, port, ends } = await listening(t)
  t.equal(fastify.inFlight.count, 0)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => { agent.destroy() })
  const responses = [1, 2, 3].map(async () => await new Promise<IncomingMessage>((resolve) =>
    get({ host: '127.0.0.1', port, path: '/slow?ms=200', agent }, resolve)))
  while (fastify.inFlight.count < 3) await sleep(5)
  t.equal(fastify.inFlight.count, 3)
  for (const response of await Promise.all(responses)) {
    response.resume()
    await once(response, 'end')
  }
  t.equal(fastify.inFlight.count, 0)
  t.same(ends, ['/slow?ms=200 answered', '/slow?ms=200 answered', '/slow?ms=200 answered'])
  for (const socket of Object.values(agent.freeSockets).flat()) socket?.destroy()
  await sleep(50)
  t.equal(ends.length, 3, 'a connection closed after its answer tells nothing more')
})

t.test('a request whose client leaves first is told as aborted at once, and counted no more', async (t) => {
  const { fastify, port, ends } = await listening(t)
  const request = get({ host: '127.0.0.1', port, path: '/slow?ms=500' }).on('error', () => {})
  while (fastify.inFlight.count === 0) await sleep(5)
  request.destroy()
  while (ends.length === 0) await sleep(5)
  t.same(ends, ['/slow?ms=500 aborted'])
  t.equal(fastify.inFlight.count, 0)
  await sleep(600)
  t.same(ends, ['/slow?ms=500 aborted'], 'not told again when the handler finishes')
})

t.test('requests injected count too, and end as answered', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(inFlight)
  const ends: boolean[] = []
  fastify.inFlight.onEnd((reply, aborted) => ends.push(aborted))
  let during = -1
  fastify.get('/', async () => { during = fastify.inFlight.count; return 'ok' })
  await fastify.inject('/')
  t.equal(during, 1)
  t.same(ends, [false])
  t.equal(fastify.inFlight.count, 0)
})

t.test(
  'a request whose client leaves once its answer\'s head is out ends as answered, when it leaves, once',
  async (t) => {
    const { fastify, port, ends } = await listening(t)
    const response = await new Promise<IncomingMessage>((resolve) =>
      get({ host: '127.0.0.1', port, path: '/stream' }, resolve))
    await once(response, 'data')
    t.same(ends, [], 'in flight while its body goes out')
    t.equal(fastify.inFlight.count, 1)
    response.destroy()
    while (ends.length === 0) await sleep(5)
    t.same(ends, ['/stream answered'])
    t.equal(fastify.inFlight.count, 0)
    await sleep(50)
    t.same(ends, ['/stream answered'], 'told once')
  }
)

t.test('each request is shown to the start listeners in turn; the first error returned refuses it', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(inFlight)
  const seen: string[] = []
  const ends: string[] = []
  fastify.inFlight.onStart((request) => {
    seen.push(`first ${request.url}`)
    return request.url === '/refused'
      ? Object.assign(new Error('refused at its start'), { statusCode: 400 })
      : undefined
  })
  fastify.inFlight.onStart((request) => {
    seen.push(`second ${request.url}`)
    return undefined
  })
  fastify.inFlight.onEnd((reply, aborted) => ends.push(`${reply.request.url} ${aborted ? 'aborted' : 'answered'}`))
  fastify.get('/*', async () => 'served')
  t.equal((await fastify.inject('/served')).body, 'served')
  const refused = await fastify.inject('/refused')
  t.equal(refused.statusCode, 400)
  t.match(refused.json(), { message: 'refused at its start' })
  t.same(seen, ['first /served', 'second /served', 'first /refused'], 'the listeners after a refusal are not asked')
  t.same(ends, ['/served answered', '/refused answered'])
})
