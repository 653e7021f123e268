// One access line per request, written when the response is done or the client gave up (Fastify's own two lines are off).
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.info({
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime
    }, 'request completed')
    done()
  })
  // A client that closes its connection first gets no response and no onResponse: say so instead.
  fastify.addHook('onRequestAbort', (request, done) => {
    request.log.info({ method: request.method, url: request.url }, 'request aborted by the client')
    done()
  })
}, { name: 'access-log' })
