// The one reader of a Redis Stream: the entries after a position, as they come, on a connection of its own that blocks
// in Redis, until stopped; a failure said once and tried again every second; the stop wakes a read blocked in Redis.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { RedisFailures } from './failures.ts'

/** The most entries one read takes. */
const READ_COUNT = 1000
/** How long one read waits in Redis for an entry. The stop wakes it; this only bounds a wake-up that went astray. */
const BLOCK_MS = 10_000
/** The pause before the reader tries again after a failure. */
const RETRY_MS = 1000
/** How often the stop asks Redis to wake the reader, until it has stopped: the first may come before the read. */
const WAKE_MS = 100

/** A stream entry as XREAD gives it: its id, and its fields and values one after another. */
export type StreamEntry = [id: string, fields: string[]]

export interface StreamReaderOptions {
  /** For the command that wakes the reader. */
  client: Redis
  /** The reader's own connection, whose commands wait for Redis to come back. */
  blocking: Redis
  key: string
  /** The id after which the next read starts: the last entry delivered, or a position taken first (once, may ask). */
  after: () => string | Promise<string>
  /** Each read's entries, in order. */
  deliver: (entries: StreamEntry[]) => void
  failures: RedisFailures
}

export class StreamReader {
  readonly #options: StreamReaderOptions
  /** The run under way: each start makes one, each stop ends it; a run ended reads no more, even if another began. */
  #run: object | undefined
  #stopped: Promise<void> = Promise.resolve()
  /** Ends the pause after a failure at the stop. */
  #pause = new AbortController()
  /** The reader's connection as Redis knows it, to wake it; known once each read is waiting in Redis. */
  #readerId: number | undefined

  constructor (options: StreamReaderOptions) {
    this.#options = options
  }

  /** Reads until stopped, once the run before (stopping, or replaced by this one) has ended its read under way. */
  start (): void {
    const run = {}
    this.#run = run
    this.#pause = new AbortController()
    this.#stopped = this.#stopped.then(async () => { await this.#read(run) })
  }

  /** Resolves once the reader has stopped. */
  async stop (): Promise<void> {
    this.#run = undefined
    this.#pause.abort()
    // This run's end, not that of one started meanwhile.
    const stopped = this.#stopped
    this.#wake()
    const waking = setInterval(() => { this.#wake() }, WAKE_MS)
    await stopped
    clearInterval(waking)
  }

  async #read (run: object): Promise<void> {
    const { blocking, key, after, deliver, failures } = this.#options
    while (this.#run === run) {
      try {
        const from = await after()
        // The id first, on the same connection: by the time it is known, the read is waiting in Redis, to be woken.
        const [, read] = await Promise.all([
          blocking.client('ID').then((id) => {
            this.#readerId = id
            if (this.#run !== run) this.#wake()
          }),
          blocking.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', key, from)
        ])
        this.#readerId = undefined
        // Once a read is through, not as soon as its connection is back: the others may not be yet.
        failures.succeeded()
        const entries = (read as Array<[string, StreamEntry[]]> | null)?.[0]?.[1] ?? []
        if (entries.length > 0) deliver(entries)
      } catch (error) {
        this.#readerId = undefined
        failures.failed(error)
        await sleep(RETRY_MS, undefined, { signal: this.#pause.signal }).catch(() => {})
      }
    }
  }

  #wake (): void {
    if (this.#readerId !== undefined) this.#options.client.client('UNBLOCK', this.#readerId).catch(() => {})
  }
}
