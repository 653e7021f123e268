// reply.html(text): answers with text as Flask answers a view that returns a str.
import fp from 'fastify-plugin'

const HTML = 'text/html; charset=utf-8'

declare module 'fastify' {
  interface FastifyReply {
    html: (text: string) => FastifyReply
  }
}

export default fp(async (fastify) => {
  fastify.decorateReply('html', function (text: string) {
    return this.type(HTML).send(text)
  })
}, { name: 'html' })
