// The open event streams of a feed: a frame sent to every one, a few hundred per turn of the event loop so that
// requests are served meanwhile.
import type { EventStream } from './event-stream.ts'

/** Streams sent to per turn of the event loop: about 2 ms of writes, all a request waits for a broadcast. */
export const STREAMS_PER_TURN = 256

export interface EventStreamsOptions {
  /** Bytes a stream may hold unsent; past it, its client is disconnected. */
  maxBufferedBytes: number
  /** Told of each client disconnected for reading too slowly, with what it held unsent. */
  onDropped: (bufferedBytes: number) => void
  /** Told of each stream that closes. */
  onClose: (stream: EventStream) => void
  /** Told when the last stream closes. */
  onEmpty: () => void
}

export class EventStreams {
  readonly #open = new Set<EventStream>()
  /** Broadcasts not yet sent to all their streams, the first one under way; how far it has come. */
  readonly #broadcasts: Array<{ frame: Buffer, streams: EventStream[] }> = []
  #reached = 0
  readonly #options: EventStreamsOptions
  /** One listener for every stream, rather than a closure each. */
  readonly #onClose: (this: EventStream) => void

  constructor (options: EventStreamsOptions) {
    this.#options = options
    const open = this.#open
    this.#onClose = function () {
      open.delete(this)
      options.onClose(this)
      if (open.size === 0) options.onEmpty()
    }
  }

  get size (): number {
    return this.#open.size
  }

  /** Sends `first` on `stream`, then every broadcast until it closes. */
  add (stream: EventStream, first: string): void {
    this.#open.add(stream)
    stream.on('close', this.#onClose)
    this.#send(stream, first)
  }

  /**
   * Sends `frame` on every stream open now, STREAMS_PER_TURN at a time: a stream added meanwhile does not get it (its
   * first frame was made after it), one ended or closed meanwhile is skipped. Broadcasts are sent one after the other,
   * so that frames reach each stream in order.
   */
  broadcast (frame: Buffer): void {
    this.#broadcasts.push({ frame, streams: [...this.#open] })
    if (this.#broadcasts.length === 1) this.#turn()
  }

  /** Ends every stream with `frame`. */
  endAll (frame: string): void {
    for (const stream of this.#open) stream.endWith(frame)
  }

  /**
   * Sends the broadcasts under way on the next STREAMS_PER_TURN streams, and comes back next turn if they are not
   * done.
   */
  readonly #turn = (): void => {
    let budget = STREAMS_PER_TURN
    for (let broadcast = this.#broadcasts[0]; broadcast !== undefined; broadcast = this.#broadcasts[0]) {
      const { frame, streams } = broadcast
      const end = Math.min(this.#reached + budget, streams.length)
      budget -= end - this.#reached
      for (; this.#reached < end; this.#reached++) {
        const stream = streams[this.#reached] as EventStream
        if (stream.open) this.#send(stream, frame)
      }
      if (this.#reached < streams.length) break
      this.#broadcasts.shift()
      this.#reached = 0
    }
    if (this.#broadcasts.length > 0) setImmediate(this.#turn)
  }

  // A client that reads too slowly is disconnected rather than left to grow the service's memory.
  #send (stream: EventStream, frame: Buffer | string): void {
    stream.send(frame)
    const unsent = stream.unsent
    if (unsent <= this.#options.maxBufferedBytes) return
    this.#options.onDropped(unsent)
    stream.disconnect()
  }
}
