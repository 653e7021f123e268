// Background tasks shared by every replica through Redis, on BullMQ: a task is a job of the queue `tasks`, accepted
// by any replica, run by whichever replica's worker takes it, and read by any from the job's own record.
import { randomUUID } from 'node:crypto'
import { Queue, WaitingError, Worker, type Job, type KeepJobs } from 'bullmq'
import type { Redis } from 'ioredis'
import { Cancellation } from '../http/cancellation.ts'
import { RedisFailures } from '../redis/failures.ts'
import type { RedisParts } from '../redis/port.ts'
import type { Task, TaskState } from './schemas.ts'
import type { TaskStore, TaskStoreOptions, TaskWork } from './port.ts'

/** The queue's name: its keys are `<prefix>:tasks:*`. */
const QUEUE = 'tasks'

/**
 * How long a worker's hold on a task lasts unless renewed (BullMQ renews it every half of this): the tasks of a replica
 * that died without a stop are held by nobody this long after at most.
 */
const LOCK_MS = 10_000

/**
 * How often a worker looks, for the whole queue, for tasks that are held by nobody (their replica died): found at two
 * looks in a row, they are run again. With LOCK_MS, a dead replica's task runs again 10 to 20 s after it died.
 */
const STALLED_CHECK_MS = 5000

/**
 * How many times a task may be found held by nobody and run again; once more, and it fails, as it may be what kills.
 */
const MAX_STALLS = 3

/**
 * How long a place among the pending tasks is kept for a task on its way into the queue: an add that failed frees it
 * then.
 */
const RESERVATION_MS = 10_000

/**
 * Takes a place among the pending tasks for a task about to be added, if one is free: the pending tasks are those
 * waiting or running (no task is delayed or prioritised), and those whose place is taken but that are not in Redis
 * yet. A place is given back once its task is in Redis (counted there from then on), or RESERVATION_MS after.
 * KEYS: wait, active, reservations. ARGV: the task's id, the most that may be pending, the prefix of a job's key,
 * RESERVATION_MS. Answers 1 with the place taken, 0 with none free.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
local pending = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if redis.call('EXISTS', ARGV[3] .. id) == 1 then
    redis.call('ZREM', KEYS[3], id)
  else
    pending = pending + 1
  end
end
if pending >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[3], now, ARGV[1])
return 1
`

/**
 * How many tasks are pending, done and failed, in one look. KEYS: wait, active, completed, failed (sorted by when each
 * ended). ARGV: the lower bound, exclusive, of when an ended task that is still readable ended ('-inf': all are).
 */
const COUNT = `
return {
  redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2]),
  redis.call('ZCOUNT', KEYS[3], ARGV[1], '+inf'),
  redis.call('ZCOUNT', KEYS[4], ARGV[1], '+inf')
}
`

/** What a task's job carries. */
interface TaskData {
  latencyMs: number
}

/**
 * `blocking` is the worker's, for this store alone, with `maxRetriesPerRequest: null`, as BullMQ needs; the store's
 * close cuts it first if Redis is away, so that nothing waits for Redis. `maxPending` counts across every replica;
 * `work` runs in the replica that takes the task.
 */
export interface RedisTaskStoreOptions extends RedisParts, TaskStoreOptions {}

/**
 * The tasks of every replica, in Redis. This replica's worker runs up to `maxPending` tasks at once, and starts once
 * its connection is first ready (a BullMQ worker that never reached Redis could not be closed).
 */
export class RedisTaskStore implements TaskStore {
  readonly #client: Redis
  readonly #workerConnection: Redis
  readonly #maxPending: number
  readonly #ttlMs: number
  readonly #work: TaskWork
  readonly #failures: RedisFailures
  /** What went wrong between the store and Redis: a connection lost, a task's record lost with Redis's data. */
  readonly #failed = (error: Error): void => { this.#failures.failed(error) }
  readonly #queue: Queue<TaskData>
  /** Where the places taken for tasks on their way into the queue are kept, by id, scored by when. */
  readonly #reservations: string
  #worker: Worker<TaskData> | undefined
  /** Every task this replica runs gets it: cancelled, the work of each stops, and a task taken after stops at once. */
  readonly #stop = new Cancellation()
  /** How many tasks this replica runs now. */
  #running = 0
  /** Whether the worker was told to stop taking tasks. */
  #draining = false

  constructor ({ client, blocking: workerConnection, prefix, log, maxPending, ttlMs, work }: RedisTaskStoreOptions) {
    this.#client = client
    this.#workerConnection = workerConnection
    this.#maxPending = maxPending
    this.#ttlMs = ttlMs
    this.#work = work
    this.#failures = new RedisFailures(log, 'background tasks')
    // Removed by BullMQ once expired, whenever another task ends; reads leave out those expired and not removed yet.
    const keep: KeepJobs | false = ttlMs === 0 ? false : { age: Math.ceil(ttlMs / 1000) }
    this.#queue = new Queue<TaskData>(QUEUE, {
      connection: client,
      prefix,
      // BullMQ's check of Redis's version is a command of its own once connected: failed there (Redis gone at that
      // moment), the queue would fail every command after, until a restart.
      skipVersionCheck: true,
      defaultJobOptions: { removeOnComplete: keep, removeOnFail: keep, stackTraceLimit: 0 }
    })
    this.#queue.on('error', this.#failed)
    this.#reservations = this.#queue.toKey('reservations')
    // Made before this store, the connection may be ready already.
    if (workerConnection.status === 'ready') this.#startWorker()
    else workerConnection.once('ready', this.#startWorker)
    workerConnection.on('ready', () => { this.#failures.succeeded() })
  }

  async create ({ latencyMs }: Pick<Task, 'latencyMs'>): Promise<Task | undefined> {
    const id = randomUUID()
    const key = this.#queue.toKey.bind(this.#queue)
    const reserved = await this.#client.eval(
      RESERVE, 3, key('wait'), key('active'), this.#reservations, id, this.#maxPending, key(''), RESERVATION_MS
    )
    if (reserved === 0) return undefined
    const job = await this.#queue.add('task', { latencyMs }, { jobId: id })
    return { id, state: 'pending', latencyMs, createdAt: iso(job.timestamp) }
  }

  async get (id: string): Promise<Task | undefined> {
    const job = await this.#queue.getJob(id)
    if (job === undefined || this.#expired(job)) return undefined
    return taskOf(job)
  }

  async counts (): Promise<Record<TaskState, number>> {
    const key = this.#queue.toKey.bind(this.#queue)
    const since = this.#ttlMs === 0 ? '-inf' : `(${Date.now() - this.#ttlMs}`
    const [pending, done, failed] = await this.#client.eval(
      COUNT, 4, key('wait'), key('active'), key('completed'), key('failed'), since
    ) as [number, number, number]
    return { pending, done, failed, cancelled: 0 }
  }

  async drain (): Promise<void> {
    this.#draining = true
    this.#workerConnection.off('ready', this.#startWorker)
    await this.#worker?.close()
  }

  async interrupt (reason: Error): Promise<number> {
    if (this.#stop.reason !== undefined) return 0
    // So that a task handed back is not taken again here.
    void this.drain()
    this.#stop.cancel(reason)
    return this.#running
  }

  async close (): Promise<void> {
    const worker = this.#worker
    if (worker !== undefined) {
      // The worker closes once Redis has answered what it sent (a task's end, a task handed back); with Redis away,
      // that may never be: its connections are cut instead, and what waited fails (a task whose end was not recorded
      // is found held by nobody once its lock expires, and run again).
      const cut = (): void => {
        this.#workerConnection.disconnect()
        worker.getBackend().close(true).catch(this.#failed)
      }
      if (this.#workerConnection.status === 'ready') this.#workerConnection.once('close', cut)
      else cut()
      await worker.close()
      this.#workerConnection.off('close', cut)
    }
    await this.#queue.close()
  }

  readonly #startWorker = (): void => {
    const worker = new Worker<TaskData>(QUEUE, async (job, token) => { await this.#run(job, token) }, {
      connection: this.#workerConnection,
      prefix: this.#queue.opts.prefix,
      concurrency: this.#maxPending,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: MAX_STALLS
    })
    worker.on('error', this.#failed)
    this.#worker = worker
  }

  /**
   * Runs a task the worker took. A failed work fails the task (BullMQ records the error's message); an interrupted
   * one goes back to the queue, pending, and BullMQ leaves it there (a WaitingError).
   */
  async #run (job: Job<TaskData>, token: string | undefined): Promise<void> {
    // Taken as the drain came (a take under way when the worker stopped taking): back at once, never started.
    if (this.#draining) throw await this.#handBack(job, token, { started: false })
    this.#running++
    try {
      await this.#work(taskOf(job), this.#stop)
    } catch (error) {
      if (this.#stop.reason === undefined) throw error
      throw await this.#handBack(job, token, { started: true })
    } finally {
      this.#running--
    }
  }

  /**
   * Gives a task taken here back to the queue, pending; the error that tells BullMQ to leave it there. Redis away: the
   * task stays held until its lock expires, and the stalled-job check hands it back then.
   */
  async #handBack (
    job: Job<TaskData>, token: string | undefined, { started }: { started: boolean }
  ): Promise<WaitingError> {
    // Never started: its record as it was before it was taken, changed while it is still held here.
    if (!started) await this.#client.hdel(this.#queue.toKey(job.id as string), 'processedOn').catch(this.#failed)
    await job.moveToWait(token).catch(this.#failed)
    return new WaitingError()
  }

  /** Whether the task ended the TTL ago or more (BullMQ removes it later). */
  #expired (job: Job<TaskData>): boolean {
    return this.#ttlMs !== 0 && job.finishedOn !== undefined && Date.now() - job.finishedOn >= this.#ttlMs
  }
}

/** A task as its job records it: pending until it has finished, then failed if it has a reason to, else done. */
function taskOf (job: Job<TaskData>): Task {
  const task: Task = {
    id: job.id as string,
    state: 'pending',
    latencyMs: job.data.latencyMs,
    createdAt: iso(job.timestamp)
  }
  if (job.processedOn !== undefined) task.startedAt = iso(job.processedOn)
  if (job.finishedOn === undefined) return task
  const ended = { ...task, endedAt: iso(job.finishedOn) }
  return job.failedReason === undefined
    ? { ...ended, state: 'done' }
    : { ...ended, state: 'failed', error: job.failedReason }
}

/** A time in ms since the epoch, as the schema's ISO 8601. */
function iso (ms: number): string {
  return new Date(ms).toISOString()
}
