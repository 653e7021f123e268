// One access line per request, written when the response is done (Fastify's own two lines are turned off).
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
}, { name: 'access-log' })
