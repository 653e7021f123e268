// GET /live: the page that shows the live updates (GET /events) as they arrive, and the chat (GET /chat).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HtmlResponse } from '../../src/http/text-answers.ts'

const live: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    schema: {
      tags: ['live'],
      summary: 'A page for people: the live updates as they arrive, and the chat',
      response: { 200: HtmlResponse('The page; its script and style are under /assets/') }
    }
  }, async (request, reply) => reply.sendFile('live.html'))
}

export default live
