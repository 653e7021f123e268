// What goes to many targets (frames to chat sockets and event streams), sent a bounded number a turn of the event
// loop so that other requests are served between: a burst of messages to a full room never holds the loop. Sent in
// the order given, so that each target gets its own in order; an item given to many targets in a row is queued once,
// with their list.

/**
 * Sends per turn of the event loop: a few tenths of a millisecond of socket writes (each a system call). Few, because
 * while sends wait, Node accepts one new connection a turn: at 256 a turn, presence frames to 10,000 sockets kept
 * /sync's connection behind a hundred others for up to 450 ms; at 8, less long than beside a room that sends
 * nothing. A turn costs about a microsecond of its own.
 */
export const SENDS_PER_TURN = 8

export class Outbox<Target, Item = string> {
  readonly #send: (target: Target, item: Item) => void
  readonly #perTurn: number
  /** What is not yet sent to all its targets, the first under way; how far it has come. */
  readonly #queue: Array<{ item: Item, targets: Target[] }> = []
  #reached = 0
  #waiting = 0

  constructor (send: (target: Target, item: Item) => void, perTurn = SENDS_PER_TURN) {
    this.#send = send
    this.#perTurn = perTurn
  }

  /** Sends given and not made yet. */
  get waiting (): number {
    return this.#waiting
  }

  /** Sends `item` to `target` once everything given before is sent: from the next turn on. */
  send (target: Target, item: Item): void {
    this.#waiting++
    const last = this.#queue.at(-1)
    if (last?.item === item) {
      last.targets.push(target)
      return
    }
    this.#queue.push({ item, targets: [target] })
    if (this.#queue.length === 1) setImmediate(this.#turn)
  }

  /**
   * Sends `item` to each of `targets` once everything given before is sent: the first of them at once if nothing
   * waits.
   */
  sendToAll (targets: Target[], item: Item): void {
    this.#waiting += targets.length
    this.#queue.push({ item, targets })
    if (this.#queue.length === 1) this.#turn()
  }

  readonly #turn = (): void => {
    let budget = this.#perTurn
    for (let next = this.#queue[0]; next !== undefined && budget > 0; next = this.#queue[0]) {
      const { item, targets } = next
      const end = Math.min(this.#reached + budget, targets.length)
      budget -= end - this.#reached
      this.#waiting -= end - this.#reached
      for (; this.#reached < end; this.#reached++) this.#send(targets[this.#reached] as Target, item)
      if (this.#reached < targets.length) break
      this.#queue.shift()
      this.#reached = 0
    }
    if (this.#queue.length > 0) setImmediate(this.#turn)
  }
}
