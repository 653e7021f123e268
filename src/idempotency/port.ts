// The idempotency keys' store: the first request with a key begins it, its answer finishes it, and the repeats find
// what it answered; in memory for one process, in Redis for every replica.

/** An answer as it is kept for the repeats of its request. */
export interface KeptAnswer {
  statusCode: number
  /** The headers a repeat gets again (Location, Content-Type). */
  headers: Record<string, string>
  body: string
}

/** What beginning a key found. */
export type Begun =
  /** No request had it: this one goes on, and its answer is kept. */
  | { kind: 'first' }
  /** The first request with it is still being handled. */
  | { kind: 'in progress' }
  /** It was used with another request body. */
  | { kind: 'other body' }
  /** The first request's answer, for this repeat. */
  | { kind: 'answered', answer: KeptAnswer }

export interface IdempotencyStore {
  /**
   * Begins `key` for a request whose body's fingerprint is `fingerprint`, atomically: of two requests with one key at
   * once, one is first. A key begun and never finished (its process died) is free again after `pendingMs`.
   */
  begin: (key: string, fingerprint: string, pendingMs: number) => Promise<Begun>
  /** Keeps `answer` for the repeats of `key` for `ttlMs`. */
  finish: (key: string, fingerprint: string, answer: KeptAnswer, ttlMs: number) => Promise<void>
  /** Forgets `key`, whose request was not carried out (a 5xx): a repeat runs it again. */
  release: (key: string) => Promise<void>
}

/** What the store keeps under a key. */
export type Entry =
  | { state: 'pending', fingerprint: string }
  | { state: 'done', fingerprint: string, answer: KeptAnswer }

/** What an entry found under a key means for a request whose body's fingerprint is `fingerprint`. */
export function found (entry: Entry, fingerprint: string): Begun {
  if (entry.fingerprint !== fingerprint) return { kind: 'other body' }
  return entry.state === 'pending' ? { kind: 'in progress' } : { kind: 'answered', answer: entry.answer }
}
