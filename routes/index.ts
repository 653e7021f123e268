// GET /: awaits the slow dependency (ROOT_DELAY_MS), then greets, as the seed's async index view does.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DependencyErrors } from '../src/http/schemas.ts'
import { HtmlResponse } from '../src/http/text-answers.ts'

const root: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      tags: ['seed'],
      summary: `Awaits the slow dependency (${fastify.config.ROOT_DELAY_MS} ms), then greets`,
      response: { 200: HtmlResponse('Hello from async Flask!'), ...DependencyErrors }
    }
  }, async (request, reply) => {
    await fastify.dependency.call({ latencyMs: fastify.config.ROOT_DELAY_MS }, request.cancellation)
    return reply.html('Hello from async Flask!')
  })
}

export default root
