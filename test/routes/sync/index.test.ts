// GET /sync: the plain synchronous route.
import t from 'tap'
import { build, HTML } from '../../helpers/app.ts'

t.test('GET /sync answers at once with the seed\'s text as HTML', async (t) => {
  const fastify = await build(t)
  const response = await fastify.inject('/sync')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], HTML)
  t.equal(response.body, 'This is a normal sync route.')
  t.equal(response.headers['content-length'], '28')
})
