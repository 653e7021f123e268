// Fastify's compilers, each schema compiled on its route's first request: the start compiles none (a schema that
// cannot compile does not stop it), and what they compile validates, coerces, refuses and serializes as Fastify's own.
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { lazyCompilers } from '../../../src/server/lazy-compilers.ts'

async function app (t: Test, register: (fastify: FastifyInstance) => void): Promise<FastifyInstance> {
  const fastify = Fastify({ schemaController: { compilersFactory: lazyCompilers() } })
  t.teardown(() => fastify.close())
  register(fastify)
  await fastify.ready()
  return fastify
}

t.test("a schema is compiled on its route's first request: one that cannot compile fails that route", async (t) => {
  const fastify = await app(t, (fastify) => {
    fastify.get('/broken', { schema: { querystring: { type: 'not-a-type' } } }, async () => 'never')
    fastify.get('/fine', { schema: { querystring: { type: 'object' } } }, async () => 'fine')
  })
  t.pass('the app started, the broken schema not compiled')
  t.equal((await fastify.inject('/fine')).body, 'fine')
  const broken = await fastify.inject('/broken')
  t.equal(broken.statusCode, 500)
  t.match(broken.json().message, /schema is invalid/)
})

t.test('validation coerces as Fastify does, and a refusal names what was wrong', async (t) => {
  const fastify = await app(t, (fastify) => {
    fastify.get('/double', {
      schema: {
        querystring: {
          type: 'object',
          properties: { n: { type: 'integer', maximum: 10 } },
          required: ['n']
        }
      }
    }, async (request) => ({ doubled: (request.query as { n: number }).n * 2 }))
  })
  t.same((await fastify.inject('/double?n=4')).json(), { doubled: 8 }, '"4" coerced to 4')
  const refusals: Array<[string, string]> = [
    ['/double?n=x', 'querystring/n must be integer'],
    ['/double?n=11', 'querystring/n must be <= 10'],
    ['/double', "querystring must have required property 'n'"]
  ]
  for (const [url, message] of refusals) {
    const refused = await fastify.inject(url)
    t.equal(refused.statusCode, 400, url)
    t.same(refused.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message })
  }
})

t.test('a response schema serializes each answer: what it does not name is left out', async (t) => {
  const fastify = await app(t, (fastify) => {
    fastify.get('/user', {
      schema: {
        response: { 200: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } } }
      }
    }, async () => ({ name: 'Ada', age: 36, password: 'secret' }))
  })
  for (let request = 0; request < 2; request++) {
    const answer = await fastify.inject('/user')
    t.equal(answer.body, '{"name":"Ada","age":36}', `request ${request + 1}`)
  }
})
