// The idempotency keys every replica shares, in Redis: one string a key, its entry as JSON, with Redis's own expiry.
// Beginning a key is one script, so that of two replicas given one key at once, one is first.
import type { Redis } from 'ioredis'
import { found, type Begun, type Entry, type IdempotencyStore, type KeptAnswer } from './port.ts'

/** Writes the pending entry if the key is free; gives back what the key held before, or nothing. */
const BEGIN = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`

export interface RedisIdempotencyParts {
  client: Redis
  /** REDIS_KEY_PREFIX: every key is under it. */
  prefix: string
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: Redis
  readonly #prefix: string

  constructor ({ client, prefix }: RedisIdempotencyParts) {
    this.#client = client
    this.#prefix = `${prefix}:idempotency:`
  }

  async begin (key: string, fingerprint: string, pendingMs: number): Promise<Begun> {
    const pending: Entry = { state: 'pending', fingerprint }
    const held = await this.#client.eval(BEGIN, 1, this.#prefix + key, JSON.stringify(pending), pendingMs) as
      string | null
    return held === null ? { kind: 'first' } : found(JSON.parse(held) as Entry, fingerprint)
  }

  async finish (key: string, fingerprint: string, answer: KeptAnswer, ttlMs: number): Promise<void> {
    const done: Entry = { state: 'done', fingerprint, answer }
    await this.#client.set(this.#prefix + key, JSON.stringify(done), 'PX', ttlMs)
  }

  async release (key: string): Promise<void> {
    await this.#client.del(this.#prefix + key)
  }
}
