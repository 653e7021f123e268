// The live feed shared by replicas through Redis: made once for all by the replica that holds a lease, appended to a
// Redis Stream that every replica with streams open follows with one blocking reader, and replayed from that stream.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { RedisFailures } from '../redis/failures.ts'
import type { RedisParts } from '../redis/port.ts'
import { StreamReader, type StreamEntry } from '../redis/stream-reader.ts'
import { LiveCalls, type CallResult } from './calls.ts'
import {
  replayAfter, type LiveFeed, type LiveFeedOptions, type LiveUpdate, type Replay, type SharedLiveFeedOptions
} from './port.ts'

/** How long the lease lasts unless renewed: a producer that died without a word is replaced within it. */
const LEASE_MS = 3000
/** How often, at most, the holder renews the lease and the others try to take it. */
const LEASE_CHECK_MS = 1000
/** Updates Redis keeps at least, whatever the replay's size: a reader behind by fewer skips none. */
const MIN_KEPT = 100
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
function updateOf ([id, fields]: StreamEntry): LiveUpdate {
  return { seq: Number.parseInt(id, 10), ...JSON.parse(fields[1] as string) as CallResult }
}

/** `deliver` gets each update in order as this replica reads it; `produced` each one it made and appended. */
export interface RedisLiveFeedOptions extends RedisParts, LiveFeedOptions, SharedLiveFeedOptions {}

/**
 * The feed of every replica. While streams are open here, this replica competes for the producer's lease: the holder
 * makes the calls and appends each result, numbered by Redis (see APPEND), so that the numbers follow on whoever makes
 * them; and a reader takes every entry after the last it delivered, so that a reader that lost Redis for a while
 * resumes where it was.
 */
export class RedisLiveFeed implements LiveFeed {
  readonly #options: RedisLiveFeedOptions
  readonly #client: Redis
  /** The Redis Stream of updates: an update numbered n is the entry `n-0`, its field `update` the rest as JSON. */
  readonly #updatesKey: string
  /** The producer's lease: the holding replica's token, gone unless renewed. */
  readonly #producerKey: string
  readonly #calls: LiveCalls
  readonly #reader: StreamReader
  readonly #failures: RedisFailures
  readonly #token = randomUUID()
  /** Entries Redis keeps. */
  readonly #kept: number
  #running = false
  #leaseTimer: NodeJS.Timeout | undefined
  /** Whether the reader runs, or is about to; once it has its position. */
  #reading = false
  #positioned: Promise<void> = Promise.resolve()
  /** The number of the last update delivered, or of the newest in Redis when the reader took its position. */
  #delivered = 0
  /** Replays waiting for the reader to deliver an update. */
  readonly #waiting = new Set<{ seq: number, resolve: () => void }>()

  constructor (options: RedisLiveFeedOptions) {
    this.#options = options
    this.#client = options.client
    this.#updatesKey = `${options.prefix}:live:updates`
    this.#producerKey = `${options.prefix}:live:producer`
    this.#kept = Math.max(options.replaySize, MIN_KEPT)
    this.#failures = new RedisFailures(options.log, 'live feed')
    this.#calls = new LiveCalls({
      intervalMs: options.intervalMs,
      call: options.call,
      result: (result) => { this.#append(result) }
    })
    this.#reader = new StreamReader({
      client: options.client,
      blocking: options.blocking,
      key: this.#updatesKey,
      after: () => `${this.#delivered}-0`,
      deliver: (entries) => { for (const entry of entries) this.#deliver(updateOf(entry)) },
      failures: this.#failures
    })
  }

  start (): Promise<void> {
    if (!this.#reading) {
      this.#reading = true
      // Asked before the lease, on the same connection: this replica's first update comes after the reader's position.
      this.#positioned = this.#position()
      this.#positioned.then(() => { if (this.#running) this.#reader.start() }, () => {})
    }
    if (!this.#running) {
      this.#running = true
      this.#hold()
      this.#leaseTimer = setInterval(() => { this.#hold() }, Math.min(this.#options.intervalMs, LEASE_CHECK_MS))
    }
    return this.#positioned
  }

  /**
   * Stops the calls, gives the lease up and stops the reader: resolves once the reader has stopped. Stopping a
   * stopped feed sends Redis nothing (its connections may be closing).
   */
  async stop (reason: Error): Promise<void> {
    if (this.#running) {
      this.#running = false
      clearInterval(this.#leaseTimer)
      this.#calls.stop(reason)
      // The lease first, on the connection that wakes the reader: it is free by the time the reader has stopped.
      this.#client.eval(RELEASE, 1, this.#producerKey, this.#token).catch(() => {})
    }
    await this.#positioned.catch(() => {})
    await this.#reader.stop()
    // Started again meanwhile: it reads on from where it was.
    if (this.#running) this.#reader.start()
    else this.#reading = false
  }

  async replay (lastSeq: number): Promise<Replay> {
    for (;;) {
      const delivered = this.#delivered
      // The newest entries, at least one: the newest number, even with no replay.
      const newest = (
        await this.#client.xrevrange(this.#updatesKey, '+', '-', 'COUNT', Math.max(1, this.#options.replaySize))
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
      const [newest] = await this.#client.xrevrange(this.#updatesKey, '+', '-', 'COUNT', 1)
      if (newest !== undefined) this.#delivered = updateOf(newest).seq
    } catch (error) {
      this.#reading = false
      throw error
    }
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

  /** Takes or renews the lease; makes the calls while it is ours. */
  #hold (): void {
    this.#client.eval(HOLD, 1, this.#producerKey, this.#token, LEASE_MS).then((held) => {
      this.#failures.succeeded()
      if (held === 1 && this.#running) this.#calls.start()
      else this.#calls.stop(this.#options.leaseLost)
    }, (error: unknown) => {
      this.#calls.stop(this.#options.leaseLost)
      this.#failures.failed(error)
    })
  }

  #append (result: CallResult): void {
    // An update that is not appended (the lease is another replica's, or Redis failed) is dropped, unnumbered: the
    // lease's next check stops the calls here.
    this.#client.eval(
      APPEND, 2, this.#updatesKey, this.#producerKey, this.#token, this.#delivered, this.#kept, JSON.stringify(result)
    ).then((seq) => {
      if (seq !== 0) this.#options.produced({ seq: seq as number, ...result })
    }, (error: unknown) => { this.#failures.failed(error) })
  }
}
