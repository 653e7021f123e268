// A plugin on demand: made once, on the first request, for the requests that arrive together too; made again after a
// load that failed; its answers sent as it makes them, what it lacks this app's not-found answer, and its own failure
// this app's error.
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { onDemand } from '../../../src/http/on-demand.ts'

/** An app whose GET /inner/* is served by the instance `setUp` fills, its errors recorded, answered 500 with a word. */
async function appServing (
  t: Test,
  setUp: (inner: FastifyInstance) => Promise<void>
): Promise<{ app: FastifyInstance, errors: string[] }> {
  const app = Fastify()
  const errors: string[] = []
  app.setErrorHandler((error: Error, request, reply) => {
    errors.push(error.message)
    return reply.code(500).send({ failed: true })
  })
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ notFoundBy: 'app' }))
  const serve = onDemand(setUp)
  app.get('/inner/*', async (request, reply) => await serve(request, reply))
  await app.ready()
  t.teardown(() => app.close())
  return { app, errors }
}

t.test('the instance is made once, on the first request, for the requests that arrive together too', async (t) => {
  let made = 0
  const { app } = await appServing(t, async (inner) => {
    made++
    inner.get('/inner/hello', async (request, reply) => reply.header('x-from', 'inner').send('hello'))
  })
  t.equal(made, 0, 'not before a request')
  const answers = await Promise.all(Array.from({ length: 5 }, async () => await app.inject('/inner/hello')))
  t.same(answers.map((answer) => [answer.statusCode, answer.body, answer.headers['x-from']]),
    Array.from({ length: 5 }, () => [200, 'hello', 'inner']))
  await app.inject('/inner/hello')
  t.equal(made, 1)
})

t.test('a load that fails fails its request, and the next request loads again', async (t) => {
  let attempts = 0
  const { app, errors } = await appServing(t, async (inner) => {
    attempts++
    if (attempts === 1) throw new Error('the package is missing')
    inner.get('/inner/hello', async () => 'hello')
  })
  const failed = await app.inject('/inner/hello')
  t.equal(failed.statusCode, 500)
  t.same(errors, ['the package is missing'])
  const served = await app.inject('/inner/hello')
  t.equal(served.statusCode, 200)
  t.equal(served.body, 'hello')
  t.equal(attempts, 2)
})

t.test("what the instance lacks is this app's not-found answer", async (t) => {
  const { app } = await appServing(t, async () => {})
  const answer = await app.inject('/inner/nothing')
  t.equal(answer.statusCode, 404)
  t.same(answer.json(), { notFoundBy: 'app' })
})

t.test("the instance's own failure is this app's error, its message for this app to log, not to send", async (t) => {
  const { app, errors } = await appServing(t, async (inner) => {
    inner.get('/inner/file', async () => { throw new Error("EACCES: permission denied, open 'public/file'") })
  })
  const answer = await app.inject('/inner/file')
  t.equal(answer.statusCode, 500)
  t.same(answer.json(), { failed: true }, "this app's answer")
  t.same(errors, ["EACCES: permission denied, open 'public/file'"])
})
