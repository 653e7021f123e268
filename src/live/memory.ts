// The live feed as the app uses it (an interface, so that a feed shared through Redis can stand in) and MemoryLiveFeed:
// numbered updates, one per dependency call while someone listens, the latest kept for clients that come back.
import type { Cancellation } from '../http/cancellation.ts'
import { LiveCalls, type CallResult } from './calls.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'

export interface LiveUpdate extends CallResult {
  /** The update's number, from 1, one more for each: a client's Last-Event-ID. */
  seq: number
}

/** What a client that comes back after the update `lastSeq` gets. */
export interface Replay {
  /**
   * Updates after lastSeq that are no longer kept: 0 when none. null when lastSeq is ahead of the feed, so it came
   * from an earlier run of the service and how many were missed is unknown.
   */
  missed: number | null
  /** The updates kept after lastSeq (every one kept when missed is null), oldest first. */
  updates: LiveUpdate[]
}

/** The live feed as the event streams use it; its updates go to a callback given when it is made. */
export interface LiveFeed {
  /**
   * Starts the feed, for the streams open here (starting a running feed changes nothing): resolves once every update
   * from then on reaches the callback. Rejects when it cannot follow the feed (its store is unreachable).
   */
  start: () => void | Promise<void>
  /**
   * Stops it, with nobody left to listen here: a call in progress is cancelled with `reason`. Resolves once nothing of
   * it runs on (with Redis, its reader is done), and never rejects.
   */
  stop: (reason: Error) => void | Promise<void>
  /**
   * The updates a client that last had `lastSeq` missed, as far as they are kept, once start has resolved: exactly
   * those after lastSeq that the callback was given, so that a stream that gets them, then what the callback is given
   * next, misses none and gets none twice. Rejects when the store is unreachable.
   */
  replay: (lastSeq: number) => Replay | Promise<Replay>
}

/** The replay for `lastSeq` from the updates `kept` (oldest first), the latest published being `latest`. */
export function replayAfter (lastSeq: number, latest: number, kept: LiveUpdate[]): Replay {
  if (lastSeq > latest) return { missed: null, updates: kept }
  const updates = kept.filter(({ seq }) => seq > lastSeq)
  const firstKept = updates[0]?.seq ?? latest + 1
  return { missed: firstKept - lastSeq - 1, updates }
}

export interface MemoryLiveFeedOptions {
  intervalMs: number
  /** Updates kept for replay. */
  replaySize: number
  /** The call behind an update; a rejection's message says why it failed. Cancelled when the feed stops. */
  call: (cancellation: Cancellation) => Promise<unknown>
  publish: (update: LiveUpdate) => void
}

/** The feed of this process alone: its calls, its numbers, the latest updates kept in memory. */
export class MemoryLiveFeed implements LiveFeed {
  readonly #calls: LiveCalls
  readonly #kept: RingBuffer<LiveUpdate>
  #seq = 0

  constructor ({ intervalMs, replaySize, call, publish }: MemoryLiveFeedOptions) {
    this.#kept = new RingBuffer(replaySize)
    this.#calls = new LiveCalls({
      intervalMs,
      call,
      result: (result) => {
        const update = { seq: ++this.#seq, ...result }
        this.#kept.push(update)
        publish(update)
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
