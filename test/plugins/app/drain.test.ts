// The drain plugin on a bare Fastify: answers sent while the server closes ask the client to close its connection.
import Fastify from 'fastify'
import t from 'tap'
import drain from '../../../plugins/app/drain.js'

t.test('an answer sent while closing carries Connection: close; one sent before does not', async (t) => {
  const fastify = Fastify()
  await fastify.register(drain)
  let release = (): void => {}
  fastify.get('/slow', async () => { await new Promise<void>((resolve) => { release = resolve }); return 'done' })
  fastify.get('/fast', async () => 'done')

  const before = await fastify.inject('/fast')
  t.equal(before.headers.connection, 'keep-alive')
  const inFlight = fastify.inject('/slow')
  await new Promise((resolve) => setTimeout(resolve, 20))
  const closed = fastify.close()
  await new Promise((resolve) => setTimeout(resolve, 20))
  release()
  const during = await inFlight
  await closed
  t.equal(during.body, 'done')
  t.equal(during.headers.connection, 'close')
})
