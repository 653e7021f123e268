// Joins and leaves told to the room as presence frames: at once when the room has been quiet for an interval, else
// gathered until the interval is up, so that a storm of n joins costs each socket one frame an interval rather than n.
import type { PresenceChange } from './port.ts'
import { now } from './port.ts'
import { presenceFrame } from './room-frames.ts'

/** Names a presence frame lists of those who joined, and of those who left; its counts count them all. */
export const MAX_NAMES = 100

export interface PresenceOptions {
  /** The shortest time between two presence frames, in ms; 0: a frame for each change, at once. */
  intervalMs: number
  /** Sends a presence frame to every socket in the room. */
  send: (frame: string) => void
}

export class Presence {
  readonly #options: PresenceOptions
  readonly #joined: string[] = []
  readonly #left: string[] = []
  #joinedCount = 0
  #leftCount = 0
  #online = 0
  /** When the last frame went, by performance.now(). */
  #lastSent = -Infinity
  #timer: NodeJS.Timeout | undefined

  constructor (options: PresenceOptions) {
    this.#options = options
  }

  /** Counts `change` in the next frame, sent now if the last went an interval ago or more, else once it has. */
  change ({ type, name, online }: PresenceChange): void {
    const [names, counted] = type === 'join' ? [this.#joined, ++this.#joinedCount] : [this.#left, ++this.#leftCount]
    if (counted <= MAX_NAMES) names.push(name)
    this.#online = online
    if (this.#timer !== undefined) return
    const wait = this.#lastSent + this.#options.intervalMs - performance.now()
    if (wait <= 0) this.#send()
    else this.#timer = setTimeout(this.#send, wait)
  }

  /** Sends nothing more: the changes gathered are dropped. */
  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #send = (): void => {
    this.#timer = undefined
    this.#lastSent = performance.now()
    const frame = presenceFrame({
      joined: this.#joined.splice(0),
      joinedCount: this.#joinedCount,
      left: this.#left.splice(0),
      leftCount: this.#leftCount,
      online: this.#online,
      at: now()
    })
    this.#joinedCount = this.#leftCount = 0
    this.#options.send(frame)
  }
}
