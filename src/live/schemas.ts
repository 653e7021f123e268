// GET /events's contract: where a client that comes back says it was, and the stream it gets.
import type { Readable } from 'node:stream'
import { Type } from 'typebox'

export const EVENT_STREAM = 'text/event-stream'

/** An update's id, as Last-Event-ID or ?lastEventId carries it. */
const UpdateId = Type.String({ pattern: '^[0-9]{1,15}$', description: 'the id of the last update the client had' })
export const UPDATE_ID_EXPECTED = 'the id of an update: a whole number of at most 15 digits'

export const EventsHeaders = Type.Object({ 'last-event-id': Type.Optional(UpdateId) })
// For a client that opens a new EventSource itself (which sends no Last-Event-ID); the header wins over it.
export const EventsQuery = Type.Object({ lastEventId: Type.Optional(UpdateId) })

export const EventStreamResponse = {
  description: '`retry:` advice, then `event: lost` (data `{ "missed": n }`, n null when unknown) ' +
    'if updates after Last-Event-ID are no longer kept, the kept ones, ' +
    'then each new update (`event: update`, `id: <seq>`, data `{ seq, at, latencyMs, ok, error? }`), ' +
    '`: heartbeat` comments, and `event: shutdown` when the service stops',
  // Text to OpenAPI; to the handler, the stream it returns, whose frames go out as they are made.
  content: { [EVENT_STREAM]: { schema: Type.Unsafe<Readable>(Type.String()) } }
}
