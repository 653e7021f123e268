// Requests refused before any route: an HTTP/1.1 request without Host (RFC 9112 requires one), answered 400 JSON as
// any error, and CONNECT, a tunnel this service does not make, which Node hands over as a bare socket: 501 JSON.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import { answerRaw } from '../../src/server/raw-answers.ts'

export default fp(async (fastify) => {
  fastify.inFlight.onStart((request) => request.raw.httpVersion === '1.1' && request.headers.host === undefined
    ? fastify.httpErrors.badRequest('An HTTP/1.1 request must have a Host header')
    : undefined)

  const tunnel = (request: IncomingMessage, socket: Duplex): void => {
    const statusCode = 501
    const reqId = answerRaw(socket, { statusCode, message: 'CONNECT is not served: this service makes no tunnels' })
    // As an access line says it; the tunnel never became a request of Fastify's.
    fastify.log.info({ reqId, method: request.method, url: request.url, statusCode }, 'request refused')
  }
  fastify.server.on('connect', tunnel)
  fastify.addHook('onClose', async () => { fastify.server.off('connect', tunnel) })
}, { name: 'malformed-requests', dependencies: ['@fastify/sensible', 'in-flight'] })
