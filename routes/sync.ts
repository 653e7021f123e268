// GET /sync: a plain synchronous handler beside the async ones, answering at once as the seed's sync view does.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const sync: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/sync', (request, reply) => {
    reply.html('This is a normal sync route.')
  })
}

export default sync
