// The open event streams of a feed: a frame sent to every one, a few hundred per turn of the event loop (the outbox's)
// so that requests are served meanwhile.
import { Outbox } from '../lib/outbox.ts'
import type { EventStream } from './event-stream.ts'

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
  /** Broadcasts not yet sent to all their streams, in turn; a stream closed or ended meanwhile is skipped. */
  readonly #outbox = new Outbox<EventStream, Buffer>((stream, frame) => { if (stream.open) this.#send(stream, frame) })
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
   * Sends `frame` on every stream open now, a few hundred a turn, the first at once: a stream added meanwhile does not
   * get it (its first frame was made after it), one ended or closed meanwhile is skipped. Broadcasts are sent one after
   * the other, so that frames reach each stream in order.
   */
  broadcast (frame: Buffer): void {
    this.#outbox.sendToAll([...this.#open], frame)
  }

  /** Ends every stream with `frame`. */
  endAll (frame: string): void {
    for (const stream of this.#open) stream.endWith(frame)
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
