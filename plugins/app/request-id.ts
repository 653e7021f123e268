// Sends every request's id back as x-request-id, so a client can quote it and find the request in the log.
import fp from 'fastify-plugin'
import { REQUEST_ID_HEADER } from '../../src/request-id.js'

export default fp(async (fastify) => {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
}, { name: 'request-id' })
