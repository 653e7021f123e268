// reply.html on a bare Fastify: the text as Flask sends a view's string.
import Fastify from 'fastify'
import t from 'tap'
import html from '../../../plugins/app/html.ts'

t.test('reply.html(text) answers text/html; charset=utf-8 with the text as it is', async (t) => {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(html)
  fastify.get('/', (request, reply) => reply.html('<p>Hello, "world"</p>'))
  const response = await fastify.inject('/')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(response.body, '<p>Hello, "world"</p>')
})
