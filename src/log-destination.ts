// Where log lines go: gathered during one turn of the event loop and written together, in one system call.
// A line per write costs a system call per request; sonic-boom's asynchronous mode measures its whole buffer on
// every write. Gathering by turn batches under load and delays nothing when idle.
import { writeSync } from 'node:fs'

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
    if (this.#lines.push(line) === 1) setImmediate(() => { this.flush() })
  }

  /** Writes the lines gathered so far. */
  flush (): void {
    if (this.#lines.length === 0) return
    const text = this.#lines.join('')
    this.#lines = []
    writeSync(this.#fd, text)
  }
}
