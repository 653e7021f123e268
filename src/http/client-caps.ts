// Caps on what clients hold open at once (chat sockets, event streams): so many a client address, so many in all,
// so that one client cannot take what the others need, nor all of them more than the memory they were sized for.
import { httpErrors } from '@fastify/sensible'
import { retryLater } from './errors.ts'

/** Why one more was refused: its client holds its cap already (a 429), or the service does (a 503). */
export type CapRefusal = 'per_client' | 'total'

/** Seconds a client over its own cap should wait: time for one of its own to close. */
const PER_CLIENT_RETRY_AFTER_S = 5

/**
 * The answer to a refusal of one more of `what` (such as "chat sockets"): a 429 when its client holds `perClient`
 * already, a 503 when the service holds `total`; each with Retry-After.
 */
function capReached (refusal: CapRefusal, what: string, perClient: number, total: number): Error {
  if (refusal === 'total') return retryLater(`The service holds ${total} ${what}, the most it may`)
  return httpErrors.createError(429, `This client holds ${perClient} ${what}, the most one client may`, {
    headers: { 'retry-after': String(PER_CLIENT_RETRY_AFTER_S) }
  })
}

export interface ClientCapsOptions {
  /** At most this many for a client, and `total` in all; 0 caps nothing. */
  perClient: number
  total: number
  /** What is held, in the refusal's words: "chat sockets". */
  what: string
  /** Counts each refusal, by reason. */
  refused: Record<CapRefusal, { inc: () => void }>
}

export class ClientCaps {
  readonly #perClient: number
  readonly #total: number
  readonly #what: string
  readonly #refused: ClientCapsOptions['refused']
  /** What each client holds, for the clients that hold any. */
  readonly #held = new Map<string, number>()
  #size = 0

  constructor ({ perClient, total, what, refused }: ClientCapsOptions) {
    this.#perClient = perClient
    this.#total = total
    this.#what = what
    this.#refused = refused
  }

  /** Held in all. */
  get size (): number {
    return this.#size
  }

  /** Takes one for `client`, or says why not (and takes nothing). */
  take (client: string): CapRefusal | undefined {
    const held = this.#held.get(client) ?? 0
    if (this.#perClient > 0 && held >= this.#perClient) return 'per_client'
    if (this.#total > 0 && this.#size >= this.#total) return 'total'
    this.#held.set(client, held + 1)
    this.#size++
    return undefined
  }

  /** Takes one for `client`, or throws the answer that refuses it (a 429, or a 503), the refusal counted. */
  admit (client: string): void {
    const refusal = this.take(client)
    if (refusal === undefined) return
    this.#refused[refusal].inc()
    throw capReached(refusal, this.#what, this.#perClient, this.#total)
  }

  /** Gives back one that `client` took. */
  release (client: string): void {
    const held = this.#held.get(client) ?? 0
    if (held === 0) return
    if (held === 1) this.#held.delete(client)
    else this.#held.set(client, held - 1)
    this.#size--
  }
}
