// Deadlines for many items on one timer: items fall into slots of `tickMs`, and one interval, running only while some
// item waits, expires a whole slot at a time. A request's deadline costs a set entry, not a timer and its closure.

export class DeadlineWheel<Item> {
  readonly #tickMs: number
  readonly #onExpired: (item: Item) => void
  /** The items due in each slot, by slot number (a slot is the time it ends, in ticks). */
  readonly #slots = new Map<number, Set<Item>>()
  #timer: NodeJS.Timeout | undefined

  /** `onExpired` is called with each item whose deadline passed, at most `tickMs` late. */
  constructor (tickMs: number, onExpired: (item: Item) => void) {
    this.#tickMs = tickMs
    this.#onExpired = onExpired
  }

  /** Expires `item` in `ms` (rounded up to the next tick); returns its slot, which delete() takes. */
  add (item: Item, ms: number): number {
    const slot = Math.ceil((performance.now() + ms) / this.#tickMs)
    let items = this.#slots.get(slot)
    if (items === undefined) this.#slots.set(slot, (items = new Set()))
    items.add(item)
    this.#timer ??= setInterval(() => { this.#expire() }, this.#tickMs)
    return slot
  }

  /** Forgets `item`, added in `slot`: its work ended first. */
  delete (item: Item, slot: number): void {
    const items = this.#slots.get(slot)
    if (items === undefined) return
    items.delete(item)
    if (items.size === 0) this.#forget(slot)
  }

  #expire (): void {
    const now = performance.now() / this.#tickMs
    for (const [slot, items] of this.#slots) {
      if (slot > now) continue
      this.#forget(slot)
      for (const item of items) this.#onExpired(item)
    }
  }

  #forget (slot: number): void {
    this.#slots.delete(slot)
    if (this.#slots.size === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}
