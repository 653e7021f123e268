// The live feed shared by replicas through Redis: made once for all by the replica that holds a lease, appended to a
// Redis Stream that every replica with streams open follows with one blocking reader, and replayed from that stream.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { Cancellation } from '../http/cancellation.ts'
import { LiveCalls, type CallResult } from './calls.ts'
import { replayAfter, type LiveFeed, type LiveUpdate, type Replay } from './memory.ts'

/** The Redis Stream of updates: an update numbered n is the entry `n-0`, its field `update` the rest of it as JSON. */
const UPDATES_KEY = 'live:updates'
/** The producer's lease: the holding replica's token, gone unless renewed. */
const PRODUCER_KEY = 'live:producer'

/** How long the lease lasts unless renewed: a producer that died without a word is replaced within it. */
const LEASE_MS = 3000
/** How often, at most, the holder renews the lease and the others try to take it. */
const LEASE_CHECK_MS = 1000
/** Updates Redis keeps at least, whatever the replay's size: a reader behind by fewer skips none. */
const MIN_KEPT = 100
/** Entries a read takes at most. */
const READ_COUNT = 100
/** How long a read waits for an entry before it asks again: a bound, should a stop's unblocking miss it. */
const READ_BLOCK_MS = 10_000
/** The pause after a failed read. */
const READ_RETRY_MS = 500
/** How long a replay waits for this replica's reader to reach the newest update Redis has. */
const CATCH_UP_MS = 5000

/** Takes the lease if it is free, renews it if it is ours: 1 when it is ours. */
const HOLD = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

/** Gives the lease up, if it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`

/**
 * Appends an update if the lease is ours, numbered one more than the newest entry (or than ARGV[2], the newest this
 * replica delivered, should Redis have lost its entries), and trims the stream: its number, or 0 when the lease is not
 * ours. One script, so that nothing comes between the number's choice and the entry.
 */
const APPEND = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local seq = tonumber(ARGV[2])
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if newest then seq = math.max(seq, tonumber(string.match(newest[1], '^%d+'))) end
seq = seq + 1
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], string.format('%d-0', seq), 'update', ARGV[4])
return seq`

/** The update in a stream entry. */
function updateOf ([id, fields]: [string, string[]]): LiveUpdate {
  return { seq: Number.parseInt(id, 10), ...JSON.parse(fields[1] as string) as CallResult }
}

/** Where the feed says how it fares with Redis: a pino logger will do. */
export interface FeedLog {
  warn: (object: { err: unknown }, message: string) => void
  info: (message: string) => void
}

export interface RedisLiveFeedOptions {
  /** For commands, which fail at once while Redis is unreachable. */
  client: Redis
  /** A connection of its own for the blocking read. */
  reader: Redis
  intervalMs: number
  /** Updates kept for replay. */
  replaySize: number
  /** The call behind an update; a rejection's message says why it failed. Cancelled when the feed stops here. */
  call: (cancellation: Cancellation) => Promise<unknown>
  /** Each update, in order, as this replica reads it. */
  deliver: (update: LiveUpdate) => void
  /** Told when the reader finds updates gone from Redis before it could read them, with how many. */
  lost: (missed: number) => void
  /** Each update this replica made and appended. */
  produced: (update: LiveUpdate) => void
  /** What a call in progress is cancelled with when another replica takes the lease over. */
  leaseLost: Error
  log: FeedLog
}

/**
 * The feed of every replica. While streams are open here, this replica competes for the producer's lease: the holder
 * makes the calls and appends each result, numbered by Redis (see APPEND), so that the numbers follow on whoever makes
 * them; and a reader takes every entry after the last it delivered, so that a reader that lost Redis for a while
 * resumes where it was.
 */
export class RedisLiveFeed implements LiveFeed {
  readonly #options: RedisLiveFeedOptions
  readonly #client: Redis
  readonly #reader: Redis
  readonly #calls: LiveCalls
  readonly #token = randomUUID()
  /** Entries Redis keeps. */
  readonly #kept: number
  #running = false
  #leaseTimer: NodeJS.Timeout | undefined
  /** Whether the reader runs (it ends its last read after a stop); once it has its position; once it has stopped. */
  #reading = false
  #positioned: Promise<void> = Promise.resolve()
  #readerStopped: Promise<void> = Promise.resolve()
  /** The number of the last update delivered, or of the newest in Redis when the reader took its position. */
  #delivered = 0
  /** The reader's client id while it reads, to unblock it. */
  #readerId: number | undefined
  /** Replays waiting for the reader to deliver an update. */
  readonly #waiting = new Set<{ seq: number, resolve: () => void }>()
  /** Whether Redis failed the feed's last command: said once, until one succeeds. */
  #failing = false

  constructor (options: RedisLiveFeedOptions) {
    this.#options = options
    this.#client = options.client
    this.#reader = options.reader
    this.#kept = Math.max(options.replaySize, MIN_KEPT)
    this.#calls = new LiveCalls({
      intervalMs: options.intervalMs,
      call: options.call,
      result: (result) => { this.#append(result) }
    })
  }

  start (): Promise<void> {
    if (!this.#reading) {
      this.#reading = true
      // Asked before the lease, on the same connection: this replica's first update comes after the reader's position.
      this.#positioned = this.#position()
      this.#readerStopped = this.#positioned.then(async () => { await this.#read() }, () => {})
    }
    if (!this.#running) {
      this.#running = true
      this.#hold()
      this.#leaseTimer = setInterval(() => { this.#hold() }, Math.min(this.#options.intervalMs, LEASE_CHECK_MS))
    }
    return this.#positioned
  }

  /**
   * Stops the calls, gives the lease up and unblocks the reader: resolves once the reader has stopped. Stopping a
   * stopped feed sends Redis nothing (its connections may be closing).
   */
  async stop (reason: Error): Promise<void> {
    if (this.#running) {
      this.#running = false
      clearInterval(this.#leaseTimer)
      this.#calls.stop(reason)
      // The lease first, on the connection that unblocks: it is free by the time the reader has stopped.
      this.#client.eval(RELEASE, 1, PRODUCER_KEY, this.#token).catch(() => {})
      this.#unblock()
    }
    await this.#readerStopped
  }

  async replay (lastSeq: number): Promise<Replay> {
    for (;;) {
      const delivered = this.#delivered
      // The newest entries, at least one: the newest number, even with no replay.
      const newest = (
        await this.#client.xrevrange(UPDATES_KEY, '+', '-', 'COUNT', Math.max(1, this.#options.replaySize))
      ).reverse().map(updateOf)
      const top = newest.at(-1)?.seq ?? 0
      // A client may come from a replica whose reader is a little ahead of this one.
      if (top > this.#delivered) await this.#caughtUp(top)
      // Read again if updates newer than those read were delivered meanwhile.
      if (this.#delivered > top && this.#delivered !== delivered) continue
      return replayAfter(lastSeq, this.#delivered, this.#options.replaySize === 0 ? [] : newest)
    }
  }

  /** Takes the newest entry's number as the reader's position (a reader starting again keeps its own if none). */
  async #position (): Promise<void> {
    try {
      const [newest] = await this.#client.xrevrange(UPDATES_KEY, '+', '-', 'COUNT', 1)
      if (newest !== undefined) this.#delivered = updateOf(newest).seq
    } catch (error) {
      this.#reading = false
      throw error
    }
  }

  /** Reads the stream from the last update delivered until the feed stops; never rejects. */
  async #read (): Promise<void> {
    while (this.#running) {
      try {
        // The id first, on the same connection: by the time it is known, the read is waiting in Redis, to be unblocked.
        const [, entries] = await Promise.all([
          this.#reader.client('ID').then((id) => {
            this.#readerId = id
            if (!this.#running) this.#unblock()
          }),
          this.#reader.xread(
            'COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', UPDATES_KEY, `${this.#delivered}-0`
          )
        ])
        this.#readerId = undefined
        this.#succeeded()
        for (const entry of (entries as Array<[string, Array<[string, string[]]>]> | null)?.[0]?.[1] ?? []) {
          this.#deliver(updateOf(entry))
        }
      } catch (error) {
        this.#readerId = undefined
        this.#failed(error)
        await sleep(READ_RETRY_MS)
      }
    }
    this.#reading = false
  }

  #deliver (update: LiveUpdate): void {
    if (this.#delivered > 0 && update.seq > this.#delivered + 1) this.#options.lost(update.seq - this.#delivered - 1)
    this.#delivered = update.seq
    this.#options.deliver(update)
    for (const waiter of this.#waiting) if (waiter.seq <= update.seq) waiter.resolve()
  }

  /** Resolves once the reader has delivered update `seq`; rejects after CATCH_UP_MS. */
  async #caughtUp (seq: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        seq,
        resolve: () => {
          this.#waiting.delete(waiter)
          clearTimeout(timer)
          resolve()
        }
      }
      const timer = setTimeout(() => {
        this.#waiting.delete(waiter)
        reject(new Error(`The live feed's reader did not reach update ${seq} within ${CATCH_UP_MS} ms`))
      }, CATCH_UP_MS)
      this.#waiting.add(waiter)
    })
  }

  #unblock (): void {
    if (this.#readerId !== undefined) this.#client.client('UNBLOCK', this.#readerId).catch(() => {})
  }

  /** Takes or renews the lease; makes the calls while it is ours. */
  #hold (): void {
    this.#client.eval(HOLD, 1, PRODUCER_KEY, this.#token, LEASE_MS).then((held) => {
      this.#succeeded()
      if (held === 1 && this.#running) this.#calls.start()
      else this.#calls.stop(this.#options.leaseLost)
    }, (error: unknown) => {
      this.#calls.stop(this.#options.leaseLost)
      this.#failed(error)
    })
  }

  #append (result: CallResult): void {
    // An update that is not appended (the lease is another replica's, or Redis failed) is dropped, unnumbered: the
    // lease's next check stops the calls here.
    this.#client.eval(
      APPEND, 2, UPDATES_KEY, PRODUCER_KEY, this.#token, this.#delivered, this.#kept, JSON.stringify(result)
    ).then((seq) => {
      if (seq !== 0) this.#options.produced({ seq: seq as number, ...result })
    }, (error: unknown) => { this.#failed(error) })
  }

  #failed (error: unknown): void {
    if (this.#failing) return
    this.#failing = true
    this.#options.log.warn({ err: error }, 'live feed: Redis failed a command; trying again')
  }

  #succeeded (): void {
    if (!this.#failing) return
    this.#failing = false
    this.#options.log.info('live feed: Redis answers again')
  }
}
