// One access line per request, written when the response is done; a request whose client leaves first gets an
// "aborted" line instead (Fastify's own two lines per request are off).
import fp from 'fastify-plugin'
import { writeAccessLine } from '../../src/server/access-line.ts'

export default fp(async (fastify) => {
  fastify.inFlight.onEnd((reply, aborted) => {
    const { request } = reply
    if (aborted) {
      request.log.info({ method: request.method, url: request.url }, 'request aborted: the connection closed first')
      return
    }
    writeAccessLine(request.log, {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime
    })
  })
}, { name: 'access-log', dependencies: ['in-flight'] })
