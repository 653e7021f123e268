// The open event streams of a feed: a frame written to every one, a client that reads too slowly disconnected rather
// than left to grow the service's memory, and all ended with a last frame.
import type { Writable } from 'node:stream'

/** A response carrying an event stream, or any stream written as one. */
export type EventStream = Writable

export interface EventStreamsOptions {
  /** Bytes a stream may hold unsent; past it, its client is disconnected. */
  maxBufferedBytes: number
  /** Told of each client disconnected for reading too slowly, with what it held unsent. */
  onDropped: (bufferedBytes: number) => void
  /** Told when the last stream closes. */
  onEmpty: () => void
}

export class EventStreams {
  readonly #open = new Set<EventStream>()
  readonly #options: EventStreamsOptions
  /** One listener for every stream, rather than a closure each. */
  readonly #onClose: (this: EventStream) => void

  constructor (options: EventStreamsOptions) {
    this.#options = options
    const open = this.#open
    this.#onClose = function () {
      if (open.delete(this) && open.size === 0) options.onEmpty()
    }
  }

  get size (): number {
    return this.#open.size
  }

  /** Writes `first` to `stream`, then keeps it open for what follows; false if its client is gone already. */
  add (stream: EventStream, first: string): boolean {
    this.#write(stream, first)
    if (stream.destroyed) return false
    this.#open.add(stream)
    stream.on('close', this.#onClose)
    return true
  }

  /** Writes `frame` to every stream. */
  broadcast (frame: Buffer): void {
    for (const stream of this.#open) this.#write(stream, frame)
  }

  /** Ends every stream with `frame`. */
  endAll (frame: string): void {
    for (const stream of this.#open) stream.end(frame)
  }

  #write (stream: EventStream, frame: Buffer | string): void {
    stream.write(frame)
    const buffered = stream.writableLength
    if (buffered <= this.#options.maxBufferedBytes) return
    this.#options.onDropped(buffered)
    stream.destroy()
  }
}
