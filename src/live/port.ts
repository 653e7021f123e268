// The live feed as the app uses it: numbered updates, one per dependency call while someone listens, the latest kept
// for clients that come back; made in this process (memory.ts), or once for every replica through Redis (redis.ts).
import type { Cancellation } from '../http/cancellation.ts'
import type { CallResult } from './calls.ts'

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

/** The live feed as the event streams use it; its updates go to `deliver`, given when it is made. */
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

/** What every feed is built with. */
export interface LiveFeedOptions {
  intervalMs: number
  /** Updates kept for replay. */
  replaySize: number
  /** The call behind an update; a rejection's message says why it failed. Cancelled when the feed stops here. */
  call: (cancellation: Cancellation) => Promise<unknown>
  /** Each update, in order, for the streams open here. */
  deliver: (update: LiveUpdate) => void
  /** Each update this process made (with Redis: appended to the shared feed as its producer). */
  produced: (update: LiveUpdate) => void
}

/** What a feed the replicas share is built with besides. */
export interface SharedLiveFeedOptions {
  /** Told when the reader finds updates gone from the shared store before it could read them, with how many. */
  lost: (missed: number) => void
  /** What a call in progress is cancelled with when another replica takes the producer's lease over. */
  leaseLost: Error
}
