// GET /live: a page for people, showing the live feed (GET /events) as it arrives and the chat (GET /chat).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HtmlResponse } from '../../src/http/text-answers.ts'

const live: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    schema: {
      tags: ['pages'],
      summary: 'A page for people: the live updates as they arrive, and the chat',
      response: { 200: HtmlResponse('The page; its script and style are under /assets/') }
    }
  }, async (request, reply) => reply.sendAsset('live.html'))
}

export default live
