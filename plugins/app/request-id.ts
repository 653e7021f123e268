// Sends every request's id back as x-request-id, so a client can quote it and find the request in the log.
import fp from 'fastify-plugin'
import { REQUEST_ID_HEADER } from '../../src/server/request-id.ts'

export default fp(async (fastify) => {
  // As the answer goes out: answers given before the app's hooks run (a 503 from load shedding) carry it too.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done(null, payload)
  })
}, { name: 'request-id' })
