// GET /sync: a plain synchronous handler beside the async ones, answering at once as the seed's sync view does.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HtmlResponse } from '../../src/http/text-answers.ts'

const sync: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    schema: {
      tags: ['seed'],
      summary: 'Answers at once, from a plain synchronous handler',
      response: { 200: HtmlResponse('This is a normal sync route.') }
    }
  }, (request, reply) => {
    reply.html('This is a normal sync route.')
  })
}

export default sync
