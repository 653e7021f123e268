// GET /events: the live feed as Server-Sent Events, from the update after Last-Event-ID when a client comes back.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Negotiator from 'negotiator'
import { ErrorResponse } from '../../src/http/schemas.ts'
import {
  EVENT_STREAM, EventsHeaders, EventsQuery, EventStreamResponse, UPDATE_ID_EXPECTED
} from '../../src/live/schemas.ts'

const events: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    schema: {
      tags: ['live'],
      summary: 'The live feed as Server-Sent Events: an update event per dependency call, heartbeat comments, ' +
        'and the updates missed since Last-Event-ID',
      headers: EventsHeaders,
      querystring: EventsQuery,
      response: {
        200: EventStreamResponse,
        400: ErrorResponse('Last-Event-ID or ?lastEventId is not the id of an update'),
        406: ErrorResponse('The Accept header excludes text/event-stream'),
        429: ErrorResponse('This client holds LIVE_MAX_STREAMS_PER_CLIENT streams already, or (with RATE_LIMIT_MAX) ' +
          'made too many requests in the window: retry after Retry-After'),
        503: ErrorResponse('The service holds LIVE_MAX_STREAMS streams, sheds load, is shutting down, or cannot ' +
          'reach Redis (with REDIS_URL): retry after Retry-After')
      }
    },
    schemaErrorFormatter: (errors, dataVar) => new Error(
      dataVar === 'headers'
        ? `headers/last-event-id must be ${UPDATE_ID_EXPECTED}`
        : `querystring/lastEventId must be ${UPDATE_ID_EXPECTED}`
    )
  }, async (request, reply) => {
    // The Accept header with its q-values (text/event-stream;q=0 refuses); none, or an empty one, accepts anything.
    const { accept = '' } = request.headers
    if (accept !== '' && new Negotiator(request.raw).mediaType([EVENT_STREAM]) === undefined) {
      throw fastify.httpErrors.notAcceptable(
        `GET /events answers ${EVENT_STREAM} only, which the Accept header (${accept}) excludes`
      )
    }
    const lastEventId = request.headers['last-event-id'] ?? request.query.lastEventId
    return await fastify.live.open(reply, lastEventId === undefined ? undefined : Number(lastEventId))
  })
}

export default events
