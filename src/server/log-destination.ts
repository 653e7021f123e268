// Where log lines go: gathered during one turn of the event loop and written together, in one system call.
import { writeSync } from 'node:fs'

// A stdout that is a full non-blocking pipe refuses writes for a moment (EAGAIN): wait a millisecond, try again.
const PAUSE = new Int32Array(new SharedArrayBuffer(4))

export class BatchedDestination {
  #lines: string[] = []
  #flushesAtExit = false
  readonly #fd: number

  constructor (fd: number) {
    this.#fd = fd
  }

  write (line: string): void {
    if (!this.#flushesAtExit) {
      this.#flushesAtExit = true
      process.once('exit', () => { this.flush() })
    }
    // A line per write costs a system call per request; sonic-boom's asynchronous mode measures its whole buffer on
    // every write. Gathering by turn batches under load and delays nothing when idle.
    if (this.#lines.push(line) === 1) setImmediate(() => { this.flush() })
  }

  /** Writes the lines gathered so far, all of them: a write may take only part, or none while a pipe is full. */
  flush (): void {
    let pending = Buffer.from(this.#lines.join(''))
    this.#lines = []
    while (pending.length > 0) {
      try {
        pending = pending.subarray(writeSync(this.#fd, pending))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
        Atomics.wait(PAUSE, 0, 0, 1)
      }
    }
  }
}
