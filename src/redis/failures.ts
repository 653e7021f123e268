// How every Redis-backed feature says what Redis did to it: a command Redis refused, as an error; an outage once, as a
// warning, and its end once; any other failure, as a warning.
import { ReplyError } from 'ioredis'
import { isConnectionLost } from './connection-lost.ts'
import type { RedisLog } from './port.ts'

export class RedisFailures {
  readonly #log: RedisLog
  readonly #feature: string
  /** Whether an outage has been said and not its end. */
  #failing = false

  /** Says what Redis does to `feature` (its name starts each line) in `log`. */
  constructor (log: RedisLog, feature: string) {
    this.#log = log
    this.#feature = feature
  }

  /** Says what Redis did; gives back the error to tell a client, which says it without Redis's detail. */
  failed (error: unknown): Error {
    if (isConnectionLost(error)) {
      if (!this.#failing) this.#log.warn({ err: error }, `${this.#feature}: Redis unreachable; trying again`)
      this.#failing = true
      return new Error('Redis is unreachable', { cause: error })
    }
    if (error instanceof ReplyError) this.#log.error({ err: error }, `${this.#feature}: Redis refused a command`)
    else this.#log.warn({ err: error }, `${this.#feature}: Redis failed`)
    return new Error('Redis failed', { cause: error })
  }

  /** A command went through: an outage said is over. */
  succeeded (): void {
    if (!this.#failing) return
    this.#failing = false
    this.#log.info(`${this.#feature}: Redis answers again`)
  }
}
