// The live feed of this process alone: its calls, its numbers, the latest updates kept in memory for clients that come
// back.
import { LiveCalls } from './calls.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'
import { replayAfter, type LiveFeed, type LiveFeedOptions, type LiveUpdate, type Replay } from './port.ts'

export class MemoryLiveFeed implements LiveFeed {
  readonly #calls: LiveCalls
  readonly #kept: RingBuffer<LiveUpdate>
  #seq = 0

  /** Each update made is `produced` here, then delivered. */
  constructor ({ intervalMs, replaySize, call, deliver, produced }: LiveFeedOptions) {
    this.#kept = new RingBuffer(replaySize)
    this.#calls = new LiveCalls({
      intervalMs,
      call,
      result: (result) => {
        const update = { seq: ++this.#seq, ...result }
        this.#kept.push(update)
        produced(update)
        deliver(update)
      }
    })
  }

  get running (): boolean {
    return this.#calls.running
  }

  /** Starts the calls, the first at once; starting a running feed changes nothing. */
  start (): void {
    this.#calls.start()
  }

  /** Stops the calls: the one in progress is cancelled with `reason` and publishes nothing. */
  stop (reason: Error): void {
    this.#calls.stop(reason)
  }

  replay (lastSeq: number): Replay {
    return replayAfter(lastSeq, this.#seq, this.#kept.toArray())
  }
}
