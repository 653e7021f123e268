// This process's idempotency keys: a Map in the order the keys were last written, each with when it expires; expired
// ones are swept from its front as keys are begun, and one past its time is never read.
import { found, type Begun, type Entry, type IdempotencyStore, type KeptAnswer } from './port.ts'

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, { entry: Entry, expiresAt: number }>()

  async begin (key: string, fingerprint: string, pendingMs: number): Promise<Begun> {
    const now = performance.now()
    this.#sweep(now)
    const kept = this.#entries.get(key)
    if (kept !== undefined && kept.expiresAt > now) return found(kept.entry, fingerprint)
    this.#write(key, { state: 'pending', fingerprint }, pendingMs)
    return { kind: 'first' }
  }

  async finish (key: string, fingerprint: string, answer: KeptAnswer, ttlMs: number): Promise<void> {
    this.#write(key, { state: 'done', fingerprint, answer }, ttlMs)
  }

  async release (key: string): Promise<void> {
    this.#entries.delete(key)
  }

  /** Writes `entry` last in the map, expiring in `ms`. */
  #write (key: string, entry: Entry, ms: number): void {
    this.#entries.delete(key)
    this.#entries.set(key, { entry, expiresAt: performance.now() + ms })
  }

  /**
   * Drops the expired entries at the map's front. A pending entry expires before the done ones written before it: it
   * stays behind them, unread, until they go.
   */
  #sweep (now: number): void {
    for (const [key, { expiresAt }] of this.#entries) {
      if (expiresAt > now) return
      this.#entries.delete(key)
    }
  }
}
