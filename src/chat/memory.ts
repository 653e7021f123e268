// The chat room in this process's memory (no REDIS_URL): its sockets, the latest messages in a ring buffer, ids from a
// counter. Everything happens at once, so every message reaches every socket in the order it was made.
import type { ChatHub, ChatHubOptions, Listener, PresenceChange } from './port.ts'
import { now } from './port.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'
import { historyFrame, messageFrame } from './room-frames.ts'

export class MemoryChatHub implements ChatHub {
  /** Each seated listener, and its name. */
  readonly #seated = new Map<Listener, string>()
  /** The latest messages' frames. */
  readonly #history: RingBuffer<string>
  readonly #presence: (change: PresenceChange) => void
  #lastId = 0

  constructor ({ historySize, presence }: ChatHubOptions) {
    this.#history = new RingBuffer(historySize)
    this.#presence = presence
  }

  async join (name: string, listener: Listener): Promise<void> {
    this.#seated.set(listener, name)
    listener(historyFrame(this.#history.toArray(), this.#seated.size))
    this.#presence({ type: 'join', name, online: this.#seated.size })
  }

  async leave (listener: Listener): Promise<void> {
    const name = this.#seated.get(listener) as string
    this.#seated.delete(listener)
    this.#presence({ type: 'leave', name, online: this.#seated.size })
  }

  async say (from: string, text: string): Promise<void> {
    const message = messageFrame(++this.#lastId, from, text, now())
    this.#history.push(message)
    for (const listener of this.#seated.keys()) listener(message)
  }

  async close (): Promise<void> {}
}
