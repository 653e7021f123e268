// The frames the room sends, encoded here for both rooms: whole by the memory room; by the Redis room around the number
// its script puts in (a message's id, the online count).
import type { ErrorFrame, JoinFrame, LeaveFrame, MessageFrame } from './schemas.ts'

/** The history frame: the latest messages, oldest first, each a message frame already encoded. */
export function historyFrame (messages: readonly string[]): string {
  return `{"type":"history","messages":[${messages.join(',')}]}`
}

export function messageFrame (id: number, from: string, text: string, at: string): string {
  return JSON.stringify({ type: 'message', id, from, text, at } satisfies MessageFrame)
}

export function presenceFrame (type: 'join' | 'leave', name: string, at: string, online: number): string {
  return JSON.stringify({ type, name, at, online } satisfies JoinFrame | LeaveFrame)
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
