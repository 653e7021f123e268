// The chat room shared by replicas through Redis: every frame is an entry of one stream that each replica reads with
// one blocking reader and hands to its own sockets, so that all see one order.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { RedisFailures } from '../redis/failures.ts'
import type { RedisParts } from '../redis/port.ts'
import { StreamReader, type StreamEntry } from '../redis/stream-reader.ts'
import type { ChatHub, ChatHubOptions, Listener, PresenceChange } from './port.ts'
import { now } from './port.ts'
import { aroundNumber, historyFrame, messageFrame } from './room-frames.ts'

/** About how many frames the stream keeps: a reader further behind than that loses the oldest it had not read. */
const STREAM_LENGTH = 10_000
/** How long a replica's count of sockets counts without a refresh: one that died without a close is forgotten then. */
const COUNT_TTL_MS = 15_000

/**
 * A join or a leave, at once: this replica's count of sockets set (expiring unless refreshed), the online count added
 * up over the replicas whose count has not expired (the others forgotten), the change added to the stream with it, and
 * for a join the history as it was then (none for a leave), and the count. KEYS: the stream, the replicas, the
 * history. ARGV: this replica, its sockets, the count's lifetime in ms, the change before its online count and after
 * it, the stream's length, the type.
 */
const ANNOUNCE = `
redis.call('SET', KEYS[2] .. ':' .. ARGV[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local online = 0
for _, replica in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local sockets = redis.call('GET', KEYS[2] .. ':' .. replica)
  if sockets then online = online + tonumber(sockets) else redis.call('SREM', KEYS[2], replica) end
end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', 'presence', ARGV[4] .. online .. ARGV[5])
if ARGV[7] == 'join' then return { entry, redis.call('LRANGE', KEYS[3], 0, -1), online } end
return { entry, {}, online }
`

/**
 * A message, at once: the next id (above the highest this replica has seen, should Redis have lost the counter), the
 * frame kept in the history and added to the stream. KEYS: the stream, the history, the last id. ARGV: the highest id
 * seen, the frame before its id and after it, the history's size, the stream's length.
 */
const SAY = `
local id = redis.call('INCR', KEYS[3])
if id <= tonumber(ARGV[1]) then
  id = tonumber(ARGV[1]) + 1
  redis.call('SET', KEYS[3], id)
end
local frame = ARGV[2] .. id .. ARGV[3]
local size = tonumber(ARGV[4])
if size > 0 then
  redis.call('RPUSH', KEYS[2], frame)
  redis.call('LTRIM', KEYS[2], -size, -1)
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'frame', frame, 'id', id)
return id
`

/**
 * A replica's refresh: its count of sockets set again (expiring unless refreshed), and the last id raised to the
 * highest it has seen, should Redis have lost the counter. KEYS: the replicas, the last id. ARGV: this replica, its
 * sockets, the count's lifetime in ms, the highest id seen.
 */
const REFRESH = `
redis.call('SET', KEYS[1] .. ':' .. ARGV[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[4]) then redis.call('SET', KEYS[2], ARGV[4]) end
`

/** What a failed command that is tried again, or no longer needed, calls for: nothing. */
function ignoreFailure (): void {}

/** The scripts, as ioredis adds them to the client. */
interface Scripts {
  chatAnnounce: (...args: Array<string | number>) => Promise<[entry: string, history: string[], online: number]>
  chatSay: (...args: Array<string | number>) => Promise<number>
  chatRefresh: (...args: Array<string | number>) => Promise<null>
}

/** A stream entry's id, milliseconds and sequence, to compare. */
type EntryId = readonly [number, number]

function entryId (id: string): EntryId {
  const [ms, sequence] = id.split('-')
  return [Number(ms), Number(sequence)]
}

function isBefore (a: EntryId, b: EntryId): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}

interface Seat {
  readonly name: string
  /** The entry of its join, once announced: the frames before it are not its own. */
  from?: EntryId
  /** Until then, the frames read meanwhile: those from its join on follow its history. */
  early: Array<[EntryId, string]>
  /** Whether its join was announced, once that is known. */
  joined: Promise<boolean>
}

export interface RedisChatHubOptions extends RedisParts, ChatHubOptions {
  /** How long this replica's count of sockets counts without a refresh, in ms; refreshed three times as often. */
  countTtlMs?: number
}

export class RedisChatHub implements ChatHub {
  readonly #client: Redis
  readonly #scripts: Scripts
  readonly #keys: { frames: string, history: string, lastId: string, replicas: string }
  readonly #historySize: number
  readonly #presence: (change: PresenceChange) => void
  readonly #failures: RedisFailures
  readonly #countTtlMs: number
  /** This replica, among those counting sockets. */
  readonly #replica = randomUUID()
  readonly #seats = new Map<Listener, Seat>()
  /** Seats whose join is under way; while there are any, the joins and leaves read wait, in order, in `#held`. */
  #seating = 0
  readonly #held: PresenceChange[] = []
  /** This replica's sockets as the online count counts them: from the start of a join to its leave. */
  #sockets = 0
  /** The last entry read, or where the stream ended when first asked: the next read takes what comes after. */
  #lastRead: string | undefined
  /** The highest message id seen: the next is above it even if Redis lost its counter. */
  #lastMessageId = 0
  readonly #reader: StreamReader
  readonly #refresh: NodeJS.Timeout

  /** A hub that reads the stream from now on, at once. */
  constructor ({
    client, blocking, prefix, log, historySize, presence, countTtlMs = COUNT_TTL_MS
  }: RedisChatHubOptions) {
    client.defineCommand('chatAnnounce', { numberOfKeys: 3, lua: ANNOUNCE })
    client.defineCommand('chatSay', { numberOfKeys: 3, lua: SAY })
    client.defineCommand('chatRefresh', { numberOfKeys: 2, lua: REFRESH })
    this.#client = client
    this.#scripts = client as unknown as Scripts
    this.#keys = {
      // Every frame, in the room's one order: `frame` (its JSON), and `id` for a message.
      frames: `${prefix}:chat:frames`,
      // The latest messages, each its frame's JSON, oldest first.
      history: `${prefix}:chat:history`,
      // The last message id given.
      lastId: `${prefix}:chat:last-id`,
      // The replicas with a count of sockets, each count under `<replicas>:<replica>`, expiring unless refreshed.
      replicas: `${prefix}:chat:replicas`
    }
    this.#historySize = historySize
    this.#presence = presence
    this.#failures = new RedisFailures(log, 'chat')
    this.#countTtlMs = countTtlMs
    this.#reader = new StreamReader({
      client,
      blocking,
      key: this.#keys.frames,
      after: async () => await this.#readFrom(blocking),
      deliver: (entries) => { for (const entry of entries) this.#deliver(entry) },
      failures: this.#failures
    })
    this.#reader.start()
    // Even unchanged, so that what Redis lost comes back; one that fails, the next makes up for.
    this.#refresh = setInterval(() => {
      this.#scripts.chatRefresh(
        this.#keys.replicas, this.#keys.lastId, this.#replica, this.#sockets, this.#countTtlMs, this.#lastMessageId
      ).catch(ignoreFailure)
    }, countTtlMs / 3).unref()
  }

  join (name: string, listener: Listener): Promise<void> {
    const seat: Seat = { name, early: [], joined: Promise.resolve(false) }
    this.#seats.set(listener, seat)
    this.#sockets++
    this.#seating++
    const joining = this.#seat(seat, listener).finally(() => {
      // A newcomer is told of changes after its history, its own join among them.
      if (--this.#seating === 0) for (const change of this.#held.splice(0)) this.#presence(change)
    })
    seat.joined = joining.then(() => true, () => false)
    return joining
  }

  async leave (listener: Listener): Promise<void> {
    const seat = this.#seats.get(listener)
    // Its join failed: nobody heard of it.
    if (seat === undefined) return
    this.#seats.delete(listener)
    if (!(await seat.joined)) return
    this.#sockets--
    // Not announced, it is lost: the online count is right again at this replica's next announcement or refresh.
    await this.#announce('leave', seat.name).catch((error: unknown) => { this.#failures.failed(error) })
  }

  async say (from: string, text: string): Promise<void> {
    const [beforeId, afterId] = aroundNumber(messageFrame(0, from, text, now()), 'id')
    const { frames, history, lastId } = this.#keys
    try {
      await this.#scripts.chatSay(
        frames, history, lastId, this.#lastMessageId, beforeId, afterId, this.#historySize, STREAM_LENGTH
      )
    } catch (error) {
      throw this.#failures.failed(error)
    }
  }

  async close (): Promise<void> {
    clearInterval(this.#refresh)
    // The others count this replica's sockets no more (or, Redis unreachable, once the count expires).
    await this.#client.multi()
      .del(`${this.#keys.replicas}:${this.#replica}`)
      .srem(this.#keys.replicas, this.#replica)
      .exec()
      .catch(ignoreFailure)
    await this.#reader.stop()
  }

  async #seat (seat: Seat, listener: Listener): Promise<void> {
    try {
      // The reader knows where it starts before the join is in the stream: it reads the join and all after it.
      await this.#readFrom(this.#client)
      const [entry, history, online] = await this.#announce('join', seat.name)
      listener(historyFrame(history, online))
      const from = entryId(entry)
      for (const [id, data] of seat.early) if (!isBefore(id, from)) listener(data)
      seat.from = from
      seat.early = []
    } catch (error) {
      this.#seats.delete(listener)
      this.#sockets--
      throw this.#failures.failed(error)
    }
  }

  /**
   * Announces a join or a leave of `name` with the online count: its stream entry, for a join the history, and the
   * count.
   */
  async #announce (type: 'join' | 'leave', name: string): Promise<[entry: string, history: string[], online: number]> {
    const change: PresenceChange = { type, name, online: 0 }
    const [beforeOnline, afterOnline] = aroundNumber(JSON.stringify(change), 'online')
    const { frames, replicas, history } = this.#keys
    return await this.#scripts.chatAnnounce(
      frames, replicas, history, this.#replica, this.#sockets, this.#countTtlMs, beforeOnline, afterOnline,
      STREAM_LENGTH, type
    )
  }

  /**
   * Where the reader goes on from: the stream's end when first asked, through `connection` (the reader's own waits for
   * Redis; the client's fails at once while it is down, as a join must). Of two asked at once, the first answer is the
   * earlier end, and a join is in the stream only after an answer.
   */
  async #readFrom (connection: Redis): Promise<string> {
    if (this.#lastRead === undefined) {
      const [last] = await connection.xrevrange(this.#keys.frames, '+', '-', 'COUNT', 1)
      this.#lastRead ??= last?.[0] ?? '0-0'
    }
    return this.#lastRead
  }

  /**
   * Tells a join or a leave read from the stream to `presence` (once no join is under way here); hands a message to
   * every seat it is for, or keeps it for a seat whose join is on its way.
   */
  #deliver ([id, fields]: StreamEntry): void {
    this.#lastRead = id
    const data = fields[1] as string
    if (fields[0] === 'presence') {
      const change = JSON.parse(data) as PresenceChange
      if (this.#seating > 0) this.#held.push(change)
      else this.#presence(change)
      return
    }
    const messageId = fields[3]
    if (messageId !== undefined) this.#lastMessageId = Math.max(this.#lastMessageId, Number(messageId))
    const entry = entryId(id)
    for (const [listener, seat] of this.#seats) {
      if (seat.from === undefined) seat.early.push([entry, data])
      else if (!isBefore(entry, seat.from)) listener(data)
    }
  }
}
