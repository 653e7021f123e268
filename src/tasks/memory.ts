// Background tasks: each one's record (pending, then done, failed or cancelled, with its times), its work started and
// followed, and its expiry TASKS_TTL_MS after it ends.
import { randomUUID } from 'node:crypto'
import { Cancellation } from '../http/cancellation.ts'
import type { TaskStore, TaskStoreOptions, TaskWork } from './port.ts'
import type { Task, TaskState } from './schemas.ts'

export interface MemoryTaskStoreOptions extends TaskStoreOptions {
  /** The clock, in ms since the epoch: Date.now unless a test sets its own. */
  now?: () => number
}

/**
 * The tasks of this process, in memory. Expired tasks are dropped whenever the store is used (created in, read, or
 * counted, as each scrape of /metrics does): tasks end in the order they expire in, so a sweep reads only the oldest
 * ended and stops at the first still readable. No timer, per task or for all.
 */
export class MemoryTaskStore implements TaskStore {
  readonly #maxPending: number
  readonly #ttlMs: number
  readonly #work: TaskWork
  readonly #now: () => number
  /** Every task not yet expired, by id. */
  readonly #tasks = new Map<string, Task>()
  /** The cancellation of each pending task's work. */
  readonly #pending = new Map<Task, Cancellation>()
  /** When each ended task ended (ms), in the order they ended; empty when tasks never expire. */
  readonly #ended = new Map<Task, number>()
  readonly #counts: Record<TaskState, number> = { pending: 0, done: 0, failed: 0, cancelled: 0 }
  /** Who waits for the last pending task to end. */
  readonly #waiting: Array<() => void> = []

  constructor ({ maxPending, ttlMs, work, now = Date.now }: MemoryTaskStoreOptions) {
    this.#maxPending = maxPending
    this.#ttlMs = ttlMs
    this.#work = work
    this.#now = now
  }

  async create ({ latencyMs }: Pick<Task, 'latencyMs'>): Promise<Task | undefined> {
    this.#expire()
    if (this.#pending.size >= this.#maxPending) return undefined
    const task: Task = { id: randomUUID(), state: 'pending', latencyMs, createdAt: new Date(this.#now()).toISOString() }
    const cancellation = new Cancellation()
    this.#tasks.set(task.id, task)
    this.#pending.set(task, cancellation)
    this.#counts.pending++
    void this.#run(task, cancellation)
    return { ...task }
  }

  async get (id: string): Promise<Task | undefined> {
    this.#expire()
    const task = this.#tasks.get(id)
    return task === undefined ? undefined : { ...task }
  }

  async counts (): Promise<Record<TaskState, number>> {
    this.#expire()
    return { ...this.#counts }
  }

  async interrupt (reason: Error): Promise<number> {
    const count = this.#pending.size
    for (const [task, cancellation] of this.#pending) {
      this.#end(task, 'cancelled')
      cancellation.cancel(reason)
    }
    return count
  }

  async drain (): Promise<void> {
    if (this.#pending.size === 0) return
    await new Promise<void>((resolve) => { this.#waiting.push(resolve) })
  }

  /** Holds nothing but memory: the tasks stay readable. */
  async close (): Promise<void> {}

  /** Runs a task's work and records how it ended; never rejects, whatever the work throws. */
  async #run (task: Task, cancellation: Cancellation): Promise<void> {
    task.startedAt = new Date(this.#now()).toISOString()
    try {
      await this.#work(task, cancellation)
      this.#end(task, 'done')
    } catch (error) {
      this.#end(task, 'failed', (error as Error).message)
    }
  }

  /** Ends a pending task; a task that has ended already (interrupted, then its work stopped) stays as it ended. */
  #end (task: Task, state: Exclude<TaskState, 'pending'>, error?: string): void {
    if (!this.#pending.delete(task)) return
    const now = this.#now()
    task.state = state
    task.endedAt = new Date(now).toISOString()
    if (error !== undefined) task.error = error
    this.#counts.pending--
    this.#counts[state]++
    if (this.#ttlMs !== 0) this.#ended.set(task, now)
    if (this.#pending.size === 0) for (const resolve of this.#waiting.splice(0)) resolve()
  }

  /** Drops the tasks that ended the TTL ago or more. */
  #expire (): void {
    const now = this.#now()
    for (const [task, endedAt] of this.#ended) {
      if (now - endedAt < this.#ttlMs) return
      this.#ended.delete(task)
      this.#tasks.delete(task.id)
      this.#counts[task.state]--
    }
  }
}
