// The frames the room sends, encoded here for both rooms: whole by the memory room; by the Redis room around the number
// its script puts in (a message's id).
import type { ErrorFrame, MessageFrame, PresenceFrame } from './schemas.ts'

/** The history frame: the latest messages, oldest first, each a message frame already encoded; `online` as it is. */
export function historyFrame (messages: readonly string[], online: number): string {
  return `{"type":"history","messages":[${messages.join(',')}],"online":${online}}`
}

export function messageFrame (id: number, from: string, text: string, at: string): string {
  return JSON.stringify({ type: 'message', id, from, text, at } satisfies MessageFrame)
}

export function presenceFrame (presence: Omit<PresenceFrame, 'type'>): string {
  const { joined, joinedCount, left, leftCount, online, at } = presence
  return JSON.stringify({ type: 'presence', joined, joinedCount, left, leftCount, online, at } satisfies PresenceFrame)
}

export function errorFrame (message: string): string {
  return JSON.stringify({ type: 'error', message } satisfies ErrorFrame)
}

/**
 * `frame`, encoded with 0 for its number `field`, as the text before that number and the text after: a string value
 * never holds `"field":` unescaped, so the first one found is the field's.
 */
export function aroundNumber (frame: string, field: string): [before: string, after: string] {
  const key = `"${field}":0`
  const at = frame.indexOf(key) + key.length - 1
  return [frame.slice(0, at), frame.slice(at + 1)]
}
