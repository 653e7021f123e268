// The latest items up to a fixed number, the oldest dropped first: the live feed's replay and the chat's history.
export class RingBuffer<T> {
  readonly #items: T[] = []
  /** Where the next item goes once the buffer is full: the oldest item's place. */
  #oldest = 0

  constructor (readonly capacity: number) {}

  push (item: T): void {
    if (this.capacity === 0) return
    if (this.#items.length < this.capacity) {
      this.#items.push(item)
      return
    }
    this.#items[this.#oldest] = item
    this.#oldest = (this.#oldest + 1) % this.capacity
  }

  /** The items kept, oldest first. */
  toArray (): T[] {
    return [...this.#items.slice(this.#oldest), ...this.#items.slice(0, this.#oldest)]
  }
}
