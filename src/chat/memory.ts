// The chat room in this process's memory (no REDIS_URL): its sockets, the latest messages in a ring buffer, ids from a
// counter. Everything happens at once, so every frame reaches every socket in the order it was made.
import type { ChatHub, Listener } from './port.ts'
import { now } from './port.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'
import type { JoinFrame, LeaveFrame, MessageFrame } from './schemas.ts'

export class MemoryChatHub implements ChatHub {
  /** Each seated listener, and its name. */
  readonly #seated = new Map<Listener, string>()
  readonly #history: RingBuffer<MessageFrame>
  #lastId = 0

  /** A room that keeps the latest `historySize` messages. */
  constructor (historySize: number) {
    this.#history = new RingBuffer(historySize)
  }

  async join (name: string, listener: Listener): Promise<void> {
    this.#seated.set(listener, name)
    listener(JSON.stringify({ type: 'history', messages: this.#history.toArray() }))
    this.#broadcast({ type: 'join', name, at: now(), online: this.#seated.size })
  }

  async leave (listener: Listener): Promise<void> {
    const name = this.#seated.get(listener) as string
    this.#seated.delete(listener)
    this.#broadcast({ type: 'leave', name, at: now(), online: this.#seated.size })
  }

  async say (from: string, text: string): Promise<void> {
    const message: MessageFrame = { type: 'message', id: ++this.#lastId, from, text, at: now() }
    this.#history.push(message)
    this.#broadcast(message)
  }

  async close (): Promise<void> {}

  /** Sends `frame` to every listener, encoded once. */
  #broadcast (frame: JoinFrame | LeaveFrame | MessageFrame): void {
    const data = JSON.stringify(frame)
    for (const listener of this.#seated.keys()) listener(data)
  }
}
