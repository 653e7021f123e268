// The chat's contract: GET /chat's querystring, the one frame a client sends, and the frames the room sends back.
import { Type, type Static } from 'typebox'

/** GET /chat's querystring: the name a client joins under. */
export const ChatQuery = Type.Object({
  name: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,32}$',
    description: 'the name to join under: 1 to 32 letters, digits, _ or -; two sockets may share one'
  })
})

/** The one frame a client sends: a message for everyone in the room. Any other field is ignored. */
export const ClientFrame = Type.Object({
  type: Type.Literal('message'),
  text: Type.String({ minLength: 1, description: 'the message, at most CHAT_MAX_MESSAGE_BYTES in UTF-8' })
})
export type ClientFrame = Static<typeof ClientFrame>

const At = Type.String({ format: 'date-time', description: 'when it happened, ISO 8601' })
const Online = Type.Integer({
  minimum: 0,
  description: 'the sockets in the room, across replicas with REDIS_URL'
})

/** A message, as broadcast to everyone (its sender included) and kept for the history. */
export const MessageFrame = Type.Object({
  type: Type.Literal('message'),
  id: Type.Integer({ minimum: 1, description: 'increasing from 1, across replicas with REDIS_URL' }),
  from: Type.String({ description: "the sender's name" }),
  text: Type.String(),
  at: At
})
export type MessageFrame = Static<typeof MessageFrame>

/** The first frame a newcomer gets: the latest CHAT_HISTORY messages, oldest first, and who is online as it joins. */
export const HistoryFrame = Type.Object({
  type: Type.Literal('history'),
  messages: Type.Array(MessageFrame),
  online: Online
})
export type HistoryFrame = Static<typeof HistoryFrame>

const Names = Type.Array(Type.String(), { description: 'in the order they came, the first 100' })

/**
 * Who joined and who left since the last presence frame, to everyone in the room (a newcomer sees its own join in
 * it): at most one every CHAT_PRESENCE_INTERVAL_MS, and none while nobody comes or goes.
 */
export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  joined: Names,
  joinedCount: Type.Integer({ minimum: 0, description: 'how many joined, all of them' }),
  left: Names,
  leftCount: Type.Integer({ minimum: 0, description: 'how many left, all of them' }),
  online: Online,
  at: At
})
export type PresenceFrame = Static<typeof PresenceFrame>

/** To a client whose frame was refused: what was wrong with it. */
export const ErrorFrame = Type.Object({ type: Type.Literal('error'), message: Type.String() })
export type ErrorFrame = Static<typeof ErrorFrame>
