// GET /events: the live feed as Server-Sent Events, from the update after Last-Event-ID when a client comes back.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../src/http/schemas.ts'

const EVENT_STREAM = 'text/event-stream'

/** An update's id, as Last-Event-ID or ?lastEventId carries it. */
const UpdateId = Type.String({ pattern: '^[0-9]{1,15}$', description: 'the id of the last update the client had' })
const ID_EXPECTED = 'the id of an update: a whole number of at most 15 digits'

const events: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    schema: {
      tags: ['live'],
      summary: 'The live feed as Server-Sent Events: an update event per dependency call, heartbeat comments, ' +
        'and the updates missed since Last-Event-ID',
      headers: Type.Object({ 'last-event-id': Type.Optional(UpdateId) }),
      // For a client that opens a new EventSource itself (which sends no Last-Event-ID); the header wins over it.
      querystring: Type.Object({ lastEventId: Type.Optional(UpdateId) }),
      response: {
        200: {
          description: '`retry:` advice, then `event: lost` (data `{ "missed": n }`, n null when unknown) ' +
            'if updates after Last-Event-ID are no longer kept, the kept ones, ' +
            'then each new update (`event: update`, `id: <seq>`, data `{ seq, at, latencyMs, ok, error? }`), ' +
            '`: heartbeat` comments, and `event: shutdown` when the service stops',
          content: { [EVENT_STREAM]: { schema: Type.String() } }
        },
        400: ErrorResponse('Last-Event-ID or ?lastEventId is not the id of an update'),
        406: ErrorResponse('The Accept header excludes text/event-stream'),
        503: ErrorResponse(
          'The service sheds load, is shutting down, or cannot reach Redis (with REDIS_URL): retry after Retry-After'
        )
      }
    },
    schemaErrorFormatter: (errors, dataVar) => new Error(
      dataVar === 'headers'
        ? `headers/last-event-id must be ${ID_EXPECTED}`
        : `querystring/lastEventId must be ${ID_EXPECTED}`
    )
  }, async (request, reply) => {
    if (request.accepts().type(EVENT_STREAM) === false) {
      throw fastify.httpErrors.notAcceptable(
        `GET /events answers ${EVENT_STREAM} only, which the Accept header (${request.headers.accept}) excludes`
      )
    }
    const lastEventId = request.headers['last-event-id'] ?? request.query.lastEventId
    await fastify.live.open(reply, lastEventId === undefined ? undefined : Number(lastEventId))
  })
}

export default events
