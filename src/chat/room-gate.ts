// Whether the room takes one more message: at most CHAT_ROOM_RATE_PER_S a second from this process's sockets, and
// none while more sends wait than the room makes in well under a second (it is given messages faster than it sends).
import { TokenBucket } from '../lib/token-bucket.ts'

/** Sends that may wait before the room takes no more messages: a few hundred turns of the event loop. */
export const MAX_WAITING_SENDS = 50_000

export class RoomGate {
  readonly #rate: number
  readonly #bucket: TokenBucket | undefined
  readonly #waiting: () => number

  /** `ratePerSecond` 0: no rate; `waiting`: the sends waiting now. */
  constructor (ratePerSecond: number, waiting: () => number) {
    this.#rate = ratePerSecond
    this.#bucket = ratePerSecond === 0 ? undefined : new TokenBucket(ratePerSecond, 1000)
    this.#waiting = waiting
  }

  /** Takes one message, or says why the room takes none now (and takes nothing). */
  refusal (now = performance.now()): string | undefined {
    if (this.#waiting() > MAX_WAITING_SENDS) return 'the room is busy sending; try again in a moment'
    if (this.#bucket?.take(now) === false) {
      return `the room takes at most ${this.#rate} messages a second; try again in a moment`
    }
    return undefined
  }
}
