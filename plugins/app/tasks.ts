// fastify.tasks: background tasks, each one dependency call that outlives the request that asked for it, kept in a
// task store (in memory: this process only). A failed task is logged and recorded, never thrown. The app's close waits
// for the tasks still pending; those left at the shutdown's cut-off are cancelled, and recorded so.
import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Gauge } from '@prometheus-io/client'
import fp from 'fastify-plugin'
import type { Cancellation } from '../../src/cancellation.js'
import { retryLater } from '../../src/retry-later.js'
import type { Task } from '../../src/schemas/tasks.js'
import { MemoryTaskStore, type TaskStore } from '../../src/task-store.js'
import { cutOffAfter } from './shutdown.js'

export interface TaskService {
  /**
   * Accepts a task whose work is one dependency call of `latencyMs`: recorded pending, run in the background. Rejects
   * with 503 and Retry-After when TASKS_MAX_PENDING tasks are pending, or once the service drains.
   */
  create: (latencyMs: number) => Promise<Task>
  /** The task with this id, as it stands; undefined when there is none, or it ended more than TASKS_TTL_MS ago. */
  get: (id: string) => Promise<Task | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    tasks: TaskService
  }
}

export default fp(async (fastify) => {
  const { config, log, shutdown } = fastify
  const production = config.NODE_ENV === 'production'

  /** A task's work. A failure is logged with its detail, and recorded as an error answer would say it. */
  async function work (task: Readonly<Task>, cancellation: Cancellation): Promise<void> {
    try {
      await fastify.dependency.call({ latencyMs: task.latencyMs }, cancellation)
    } catch (error) {
      // Cancelled by the store, which has recorded it so: nothing failed.
      if (cancellation.reason !== undefined) throw error
      const { statusCode = 500, message } = error as { statusCode?: number, message: string }
      log.warn({ taskId: task.id, statusCode, reason: message }, 'background task failed')
      throw production ? new Error(STATUS_CODES[statusCode]) : error
    }
  }

  const store: TaskStore = new MemoryTaskStore({ maxPending: config.TASKS_MAX_PENDING, ttlMs: config.TASKS_TTL_MS, work })

  fastify.decorate('tasks', {
    async create (latencyMs) {
      // A task accepted now could not end before the app closes.
      if (shutdown.draining.aborted) throw retryLater('The service is shutting down')
      const task = await store.create({ latencyMs })
      if (task === undefined) throw retryLater(`${config.TASKS_MAX_PENDING} tasks are pending already`)
      return task
    },
    get: async (id) => await store.get(id)
  } satisfies TaskService)

  new Gauge({
    name: 'background_tasks',
    help: 'Background tasks by state, those ended counted until they expire',
    labelNames: ['state'],
    registers: [fastify.metricsRegistry],
    async collect () {
      for (const [state, count] of Object.entries(await store.counts())) this.set({ state }, count)
    }
  })

  async function cancelPending (): Promise<void> {
    const cancelled = await store.cancelAll(new Error('The service is shutting down'))
    if (cancelled > 0) log.warn({ cancelled }, 'background tasks cancelled: the service is shutting down')
  }
  shutdown.cutOff.addEventListener('abort', () => { void cancelPending() })

  // Once the server is closed, and before the dependency's client is (onClose hooks run in reverse order): the tasks
  // still pending are waited for until the shutdown's cut-off or, when the app is closed without a stop, for as long
  // as a stop would give them; those left are cancelled.
  fastify.addHook('onClose', async () => {
    if (config.SHUTDOWN_TIMEOUT_MS === 0) return await store.settled()
    const timeUp = new AbortController()
    await Promise.race([
      store.settled(),
      sleep(cutOffAfter(config.SHUTDOWN_TIMEOUT_MS), undefined, { signal: timeUp.signal }).then(cancelPending, () => {})
    ])
    timeUp.abort()
  })
}, { name: 'tasks', dependencies: ['@fastify/sensible', 'shutdown', 'metrics', 'dependency'] })
