// One access line per request, written when the response is done; a request whose connection closes first gets an
// "aborted" line instead (Fastify's own two lines per request are off).
import type { Socket } from 'node:net'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  // The request each connection is serving, watched by one 'close' listener per connection. Fastify's
  // onRequestAbort adds a listener to every request instead, a fifth of the cost of a small response.
  const serving = new Map<Socket, FastifyRequest>()
  fastify.server.on('connection', (socket: Socket) => {
    socket.once('close', () => {
      const request = serving.get(socket)
      if (request === undefined) return
      serving.delete(socket)
      request.log.info({ method: request.method, url: request.url }, 'request aborted: the connection closed first')
    })
  })

  fastify.addHook('onRequest', (request, reply, done) => {
    serving.set(request.raw.socket, request)
    done()
  })
  fastify.addHook('onResponse', (request, reply, done) => {
    serving.delete(request.raw.socket)
    request.log.info({
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime
    }, 'request completed')
    done()
  })
}, { name: 'access-log' })
