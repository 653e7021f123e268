// What a chat room shares among its sockets, wherever they are: one order of frames for all, the history, the message
// ids and the online count. memory.ts keeps it in this process, redis.ts in Redis for replicas.

/** Receives the frames for one socket, each encoded as JSON text once for every socket it goes to. */
export type Listener = (data: string) => void

/** Someone came into the room or left it; `online`: the sockets in the room after it, on every replica. */
export interface PresenceChange {
  type: 'join' | 'leave'
  name: string
  online: number
}

/** What every room is built with. */
export interface ChatHubOptions {
  /** The latest messages kept for a newcomer. */
  historySize: number
  /** Told of every join and leave in the room, wherever it happened, in the room's order. */
  presence: (change: PresenceChange) => void
}

export interface ChatHub {
  /**
   * Seats `listener` under `name` (two may share one): it gets the history frame (the latest messages, oldest first,
   * and who is online), then every message after it, in the one order the whole room sees; its join goes to
   * `presence`. Rejects, with nothing announced, when the room cannot be reached; the error's message says why.
   */
  join: (name: string, listener: Listener) => Promise<void>
  /**
   * Unseats `listener`, given to `join` before: it gets nothing more, and once its join was announced, its leave goes
   * to `presence`. Never rejects: a leave that cannot be announced is lost.
   */
  leave: (listener: Listener) => Promise<void>
  /**
   * Sends a message from `from` to the whole room, with the next id, and keeps it in the history. Rejects when it was
   * not sent; the error's message says why, for the client.
   */
  say: (from: string, text: string) => Promise<void>
  /** Stops sharing: frames from elsewhere stop coming, and this process's sockets no longer count as online. */
  close: () => Promise<void>
}

/** A message's time, and a join's or a leave's: ISO 8601 with milliseconds. */
export function now (): string {
  return new Date().toISOString()
}
