// One client's event stream: the body of its answer, sent as any other stream body is, into which the feed puts frames
// as they are made.
import { Readable, type Writable } from 'node:stream'

export class EventStream extends Readable {
  /** The address of the client it goes to. */
  readonly client: string
  /** The answer this stream is the body of. */
  readonly #response: Writable
  #ended = false

  constructor (response: Writable, client: string) {
    super()
    this.#response = response
    this.client = client
  }

  /** Bytes held for the client and not yet sent: in this stream, and in its answer's (and connection's) buffer. */
  get unsent (): number {
    return this.readableLength + this.#response.writableLength
  }

  /** Whether frames still go out: the stream has neither ended nor closed. */
  get open (): boolean {
    return !this.#ended && !this.destroyed
  }

  /** Queues `frame` for the client, if the stream is open. */
  send (frame: Buffer | string): void {
    if (this.open) this.push(frame)
  }

  /** Sends `frame`, the last. */
  endWith (frame: string): void {
    this.send(frame)
    this.#ended = true
    this.push(null)
  }

  /** Closes the client's connection, and so the stream (once its answer has closed); nothing more goes out. */
  disconnect (): void {
    this.#ended = true
    this.#response.destroy()
  }

  // Frames are pushed as the feed makes them, not pulled.
  override _read (): void {}
}
