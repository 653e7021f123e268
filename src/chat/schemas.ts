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
  description: 'the sockets in the room after it, across replicas with REDIS_URL'
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

/** The first frame a newcomer gets, before its own join: the latest CHAT_HISTORY messages, oldest first. */
export const HistoryFrame = Type.Object({ type: Type.Literal('history'), messages: Type.Array(MessageFrame) })
export type HistoryFrame = Static<typeof HistoryFrame>

/** Someone joined: sent to everyone, the newcomer included. */
export const JoinFrame = Type.Object({ type: Type.Literal('join'), name: Type.String(), at: At, online: Online })
export type JoinFrame = Static<typeof JoinFrame>

/** Someone left (or was closed): sent to the others. */
export const LeaveFrame = Type.Object({ type: Type.Literal('leave'), name: Type.String(), at: At, online: Online })
export type LeaveFrame = Static<typeof LeaveFrame>

/** To a client whose frame was refused: what was wrong with it. */
export const ErrorFrame = Type.Object({ type: Type.Literal('error'), message: Type.String() })
export type ErrorFrame = Static<typeof ErrorFrame>
