// Background tasks as the app uses them: a store that records each task and runs its work, kept in this process
// (memory.ts) or shared by the replicas through Redis (redis.ts).
import type { Cancellation } from '../http/cancellation.ts'
import type { Task, TaskState } from './schemas.ts'

/**
 * A task's work: resolves when it is done, rejects with an Error when it failed (the task records its message), and
 * stops (rejecting) when its cancellation is cancelled, at once if it is already. A store may give every task the same
 * cancellation: what a work registers on it, it unregisters once done (Cancellation.off), as the dependency's calls do.
 */
export type TaskWork = (task: Readonly<Task>, cancellation: Cancellation) => Promise<void>

export interface TaskStore {
  /**
   * Records a task, pending, and starts its work; undefined, and nothing started, when `maxPending` tasks are pending.
   */
  create: (input: Pick<Task, 'latencyMs'>) => Promise<Task | undefined>
  /** The task with this id, as it stands; undefined when there is none, or it ended more than the TTL ago. */
  get: (id: string) => Promise<Task | undefined>
  /** How many tasks there are in each state, expired ones left out. */
  counts: () => Promise<Record<TaskState, number>>
  /**
   * Resolves once no task runs in this process any more, each ended or interrupted. A shared store first stops taking
   * tasks from its queue: the replicas that go on run them.
   */
  drain: () => Promise<void>
  /**
   * For a stop that cannot wait any longer: cancels the work of every task running in this process with `reason`, and
   * resolves with how many there were. MemoryTaskStore ends them as cancelled at once (whatever their work does next,
   * they stay cancelled); a shared store hands them back to its queue, pending, for another replica to run.
   */
  interrupt: (reason: Error) => Promise<number>
  /** Lets go of what the store holds once drained or interrupted (a shared store's hold on its connections). */
  close: () => Promise<void>
}

/** What every store is built with. */
export interface TaskStoreOptions {
  /** Tasks that may be pending at once. */
  maxPending: number
  /** How long a task stays readable after it ends, in ms; 0 keeps it for as long as the process runs. */
  ttlMs: number
  /** What each task created does. */
  work: TaskWork
}
