// The latest items up to a fixed number, the oldest dropped first: the live feed's replay and the chat's history.
export class RingBuffer<T> {
  readonly #items: T[] = []
  /** Where the next item goes: the end while the buffer fills, then the oldest item's place. */
  #next = 0

  readonly capacity: number

  constructor (capacity: number) {
    this.capacity = capacity
  }

  push (item: T): void {
    if (this.capacity === 0) return
    this.#items[this.#next] = item
    this.#next = (this.#next + 1) % this.capacity
  }

  /** The items kept, oldest first. */
  toArray (): T[] {
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)]
  }
}
