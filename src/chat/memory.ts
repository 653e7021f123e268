// The chat room in this process's memory (no REDIS_URL): its sockets, the latest messages in a ring buffer, ids from a
// counter. Everything happens at once, so every frame reaches every socket in the order it was made.
import type { ChatHub, Listener } from './port.ts'
import { now } from './port.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'
import { historyFrame, messageFrame, presenceFrame } from './room-frames.ts'

export class MemoryChatHub implements ChatHub {
  /** Each seated listener, and its name. */
  readonly #seated = new Map<Listener, string>()
  /** The latest messages' frames. */
  readonly #history: RingBuffer<string>
  #lastId = 0

  /** A room that keeps the latest `historySize` messages. */
  constructor (historySize: number) {
    this.#history = new RingBuffer(historySize)
  }

  async join (name: string, listener: Listener): Promise<void> {
    this.#seated.set(listener, name)
    listener(historyFrame(this.#history.toArray()))
    this.#broadcast(presenceFrame('join', name, now(), this.#seated.size))
  }

  async leave (listener: Listener): Promise<void> {
    const name = this.#seated.get(listener) as string
    this.#seated.delete(listener)
    this.#broadcast(presenceFrame('leave', name, now(), this.#seated.size))
  }

  async say (from: string, text: string): Promise<void> {
    const message = messageFrame(++this.#lastId, from, text, now())
    this.#history.push(message)
    this.#broadcast(message)
  }

  async close (): Promise<void> {}

  #broadcast (frame: string): void {
    for (const listener of this.#seated.keys()) listener(frame)
  }
}
