// fastify.tasks: background tasks, each one dependency call that outlives the request that asked for it, kept in a
// task store: in memory (this process only), or in Redis with REDIS_URL (every replica's, run by whichever takes it).
import { setTimeout as sleep } from 'node:timers/promises'
import { Gauge } from '@prometheus-io/client'
import fp from 'fastify-plugin'
import type { Cancellation } from '../../src/http/cancellation.ts'
import { retryLater, shuttingDown } from '../../src/http/errors.ts'
import { STATUS_CODES } from '../../src/http/status-codes.ts'
import type { Task } from '../../src/tasks/schemas.ts'
import { createTaskStore } from '../../src/tasks/index.ts'
import { reach } from '../../src/redis/reach.ts'
import { cutOffAfter } from '../../src/server/stop-timing.ts'

/** What a client is told while Redis, which holds the tasks, is unreachable. */
const UNAVAILABLE = 'Background tasks are unavailable for now; retry later'

export interface TaskService {
  /**
   * Accepts a task whose work is one dependency call of `latencyMs`: recorded pending, run in the background. Rejects
   * with 503 and Retry-After when TASKS_MAX_PENDING tasks are pending, while Redis is away, or, in memory, once the
   * service drains.
   */
  create: (latencyMs: number) => Promise<Task>
  /**
   * The task with this id, as it stands; undefined when there is none, or it ended more than TASKS_TTL_MS ago. Rejects
   * with 503 and Retry-After while Redis is away.
   */
  get: (id: string) => Promise<Task | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    tasks: TaskService
  }
}

export default fp(async (fastify) => {
  const { config, log, redis, shutdown } = fastify
  const production = config.NODE_ENV === 'production'

  /** A task's work. A failure is logged with its detail, and recorded as an error answer would say it. */
  async function work (task: Readonly<Task>, cancellation: Cancellation): Promise<void> {
    try {
      await fastify.dependency.call({ latencyMs: task.latencyMs }, cancellation)
    } catch (error) {
      // Interrupted by the store, which cancels or hands back the task: nothing failed.
      if (cancellation.reason !== undefined) throw error
      const { statusCode = 500, message } = error as { statusCode?: number, message: string }
      log.warn({ taskId: task.id, statusCode, reason: message }, 'background task failed')
      throw production ? new Error(STATUS_CODES[statusCode]) : error
    }
  }

  const store = await createTaskStore(
    { maxPending: config.TASKS_MAX_PENDING, ttlMs: config.TASKS_TTL_MS, work },
    redis?.parts('tasks', { maxRetriesPerRequest: null })
  )

  fastify.decorate('tasks', {
    async create (latencyMs) {
      // In memory, a task accepted now could not end before the app closes; in Redis, any replica's worker runs it, so
      // a request a stopping replica still serves is carried out rather than refused.
      if (redis === undefined && shutdown.draining.aborted) throw shuttingDown()
      const task = await reach(redis, UNAVAILABLE, async () => await store.create({ latencyMs }))
      if (task === undefined) throw retryLater(`${config.TASKS_MAX_PENDING} tasks are pending already`)
      return task
    },
    get: async (id) => await reach(redis, UNAVAILABLE, async () => await store.get(id))
  } satisfies TaskService)

  fastify.metrics.registry.registerMetric(new Gauge({
    name: 'background_tasks',
    help: 'Background tasks by state, those ended counted until they expire',
    labelNames: ['state'],
    registers: [],
    async collect () {
      // Redis away, or not answering: no value rather than a stale one, and the rest of the scrape as usual, at once.
      const counts = redis?.up === false ? undefined : await store.counts().catch(() => undefined)
      if (counts === undefined) {
        this.reset()
        return
      }
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count)
    }
  }))

  async function interrupt (): Promise<void> {
    const interrupted = await store.interrupt(new Error('The service is shutting down'))
    if (interrupted === 0) return
    if (redis === undefined) {
      log.warn({ cancelled: interrupted }, 'background tasks cancelled: the service is shutting down')
    } else {
      log.info({ handedBack: interrupted }, 'background tasks handed back to the queue: the service is shutting down')
    }
  }
  shutdown.cutOff.addEventListener('abort', () => { void interrupt() })

  // From the drain on, no task is taken here (a shared store's queue keeps the new ones for the other replicas).
  let drained: Promise<void> | undefined
  const drain = async (): Promise<void> => await (drained ??= store.drain())
  shutdown.draining.addEventListener('abort', () => { void drain() })

  // Once the server is closed, and before the dependency's client and Redis's connections are (onClose hooks run in
  // reverse order): the tasks running here are waited for until the shutdown's cut-off or, when the app is closed
  // without a stop, for as long as a stop would give them; those left are interrupted.
  fastify.addHook('onClose', async () => {
    if (config.SHUTDOWN_TIMEOUT_MS === 0) await drain()
    else {
      const timeUp = new AbortController()
      await Promise.race([
        drain(),
        sleep(cutOffAfter(config.SHUTDOWN_TIMEOUT_MS), undefined, { signal: timeUp.signal }).then(interrupt, () => {})
      ])
      timeUp.abort()
    }
    await store.close()
  })
}, { name: 'tasks', dependencies: ['@fastify/sensible', 'shutdown', 'metrics', 'dependency', 'redis'] })
