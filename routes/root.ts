// GET /: awaits the slow dependency (ROOT_DELAY_MS), then greets, as the seed's async index view does.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const root: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', async (request, reply) => {
    await fastify.dependency.call(fastify.config.ROOT_DELAY_MS)
    return reply.html('Hello from async Flask!')
  })
}

export default root
