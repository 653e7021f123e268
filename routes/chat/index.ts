// GET /chat?name=: joins the chat room over a WebSocket (plugins/app/chat.ts); a plain GET, without the upgrade, is
// 426.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatQuery } from '../../src/chat/schemas.ts'
import { ErrorResponse } from '../../src/http/schemas.ts'

const chat: FastifyPluginAsyncTypebox = async (fastify) => {
  // wsHandler rather than `websocket: true`, with which @fastify/websocket would answer a plain GET 404 itself and
  // hide the route from the OpenAPI document.
  fastify.route({
    method: 'GET',
    url: '',
    schema: {
      tags: ['chat'],
      summary: 'Joins the chat room under ?name, over a WebSocket: frames of JSON text ' +
        '(docs/reference/chat-protocol.md)',
      querystring: ChatQuery,
      response: {
        101: { type: 'null', description: 'Switching Protocols: the socket is in the room' },
        400: ErrorResponse('?name is missing, or not 1 to 32 letters, digits, _ or -'),
        426: ErrorResponse('A plain GET: /chat speaks WebSocket only'),
        429: ErrorResponse('This client holds CHAT_MAX_SOCKETS_PER_CLIENT sockets already, or (with RATE_LIMIT_MAX) ' +
          'made too many requests in the window: retry after Retry-After'),
        503: ErrorResponse('The service holds CHAT_MAX_SOCKETS sockets, sheds load or is shutting down: ' +
          'retry after Retry-After')
      }
    },
    // Before the upgrade, so that a refusal is an HTTP answer; a plain GET, answered 426, holds nothing.
    preHandler: async (request) => { if (request.ws) fastify.chat.admit(request) },
    handler: async () => {
      throw fastify.httpErrors.createError(
        426,
        '/chat speaks WebSocket only: ask for an upgrade (Connection: Upgrade, Upgrade: websocket)',
        { headers: { upgrade: 'websocket' } }
      )
    },
    wsHandler: (socket, request) => { fastify.chat.join(socket, request.query.name, request.log) }
  })
}

export default chat
