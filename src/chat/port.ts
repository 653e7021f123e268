// What a chat room shares among its sockets, wherever they are: one order of frames for all, the history, the message
// ids and the online count. memory.ts keeps it in this process, redis.ts in Redis for replicas.

/** Receives the frames for one socket, each encoded as JSON text once for every socket it goes to. */
export type Listener = (data: string) => void

export interface ChatHub {
  /**
   * Seats `listener` under `name` (two may share one): it gets the history frame (the latest messages, oldest first),
   * then the join that the whole room gets, then every frame after it, in the one order the whole room sees. Rejects,
   * with nothing announced, when the room cannot be reached; the error's message says why, for the client.
   */
  join: (name: string, listener: Listener) => Promise<void>
  /**
   * Unseats `listener`, given to `join` before: it gets nothing more, and once its join was announced, the others get
   * its leave. Never rejects: a leave that cannot be announced is lost.
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
