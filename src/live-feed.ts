// The live feed: while it runs, one dependency call every interval, each call's result published as a numbered update;
// the latest updates are kept for clients that come back after missing some.
import { Cancellation } from './cancellation.js'
import { RingBuffer } from './ring-buffer.js'

export interface LiveUpdate {
  /** The update's number, from 1, one more for each: a client's Last-Event-ID. */
  seq: number
  /** When it was published, as an ISO time. */
  at: string
  /** How long its dependency call took, in ms. */
  latencyMs: number
  ok: boolean
  /** Why the call failed, when it did. */
  error?: string
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

export interface LiveFeedOptions {
  intervalMs: number
  /** Updates kept for replay. */
  replaySize: number
  /** The call behind an update; a rejection's message says why it failed. Cancelled when the feed stops. */
  call: (cancellation: Cancellation) => Promise<unknown>
  publish: (update: LiveUpdate) => void
}

export class LiveFeed {
  readonly #options: LiveFeedOptions
  readonly #kept: RingBuffer<LiveUpdate>
  #seq = 0
  /** The call in progress, or undefined while the feed waits for the next or is stopped. */
  #call: Cancellation | undefined
  #next: NodeJS.Timeout | undefined
  #running = false

  constructor (options: LiveFeedOptions) {
    this.#options = options
    this.#kept = new RingBuffer(options.replaySize)
  }

  get running (): boolean {
    return this.#running
  }

  /** Starts the calls, the first at once; starting a running feed changes nothing. */
  start (): void {
    if (this.#running) return
    this.#running = true
    this.#tick()
  }

  /** Stops the calls: the one in progress is cancelled with `reason` and publishes nothing. */
  stop (reason: Error): void {
    this.#running = false
    clearTimeout(this.#next)
    this.#call?.cancel(reason)
    this.#call = undefined
  }

  /** The updates a client that last had `lastSeq` missed, as far as they are kept. */
  replay (lastSeq: number): Replay {
    const kept = this.#kept.toArray()
    if (lastSeq > this.#seq) return { missed: null, updates: kept }
    const updates = kept.filter(({ seq }) => seq > lastSeq)
    const firstKept = updates[0]?.seq ?? this.#seq + 1
    return { missed: firstKept - lastSeq - 1, updates }
  }

  #tick (): void {
    const call = this.#call = new Cancellation()
    const startedAt = performance.now()
    // Each call starts an interval after the one before it started, or at once if that one took longer.
    this.#options.call(call).then(() => undefined, (error: Error) => error.message).then((error) => {
      if (call.reason !== undefined) return
      this.#call = undefined
      const now = performance.now()
      this.#publish(now - startedAt, error)
      this.#next = setTimeout(() => { this.#tick() }, Math.max(0, startedAt + this.#options.intervalMs - now))
    })
  }

  #publish (latencyMs: number, error: string | undefined): void {
    const update: LiveUpdate = {
      seq: ++this.#seq,
      at: new Date().toISOString(),
      latencyMs: Math.round(latencyMs),
      ok: error === undefined,
      ...(error === undefined ? {} : { error })
    }
    this.#kept.push(update)
    this.#options.publish(update)
  }
}
