// fastify.tasks on a bare Fastify with what it needs: a task's dependency call in the background, its failure logged
// and recorded, the limit on pending tasks, the gauge, and the close: short tasks waited for, long ones cancelled at
// the shutdown's cut-off (or, closed without a stop, after as long), no task accepted once the service drains.
import { once } from 'node:events'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import dependency from '../../../plugins/app/dependency.ts'
import redis from '../../../plugins/external/redis.ts'
import tasks from '../../../plugins/app/tasks.ts'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import type { DependencyQuery } from '../../../src/dependency/port.ts'
import type { Task } from '../../../src/tasks/schemas.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'
import { registerTasksNeeds } from '../../helpers/tasks.ts'

// Its waits run to several seconds (timeouts the tests pass through); on a busy machine the file may take several times
// that.
t.setTimeout(120_000)

interface BareOptions {
  env?: Record<string, string>
  logLines?: string[]
  /** Stands in for plugins/app/dependency.ts. */
  fakeDependency?: FastifyPluginAsync
  /** Adds hooks before the plugin's own, such as a preClose that holds the close as connections still draining do. */
  before?: (fastify: FastifyInstance) => void
  /** How long Fastify lets a plugin start, or a preClose hook run (10 s by default). */
  pluginTimeout?: number
}

/**
 * A bare Fastify with what the plugin needs: config, @fastify/sensible, the shutdown, a metrics registry, the
 * dependency, Redis's connection.
 */
async function bare (
  t: Test,
  { env = {}, logLines, fakeDependency, before, pluginTimeout }: BareOptions = {}
): Promise<FastifyInstance> {
  const config = await testConfig({ SHUTDOWN_DELAY_MS: '0', ...env })
  const stream = logLines === undefined ? undefined : { write: (line: string) => { logLines.push(line) } }
  const fastify = Fastify({
    ...serverOptions(config, stream),
    ...(pluginTimeout === undefined ? {} : { pluginTimeout })
  })
  await registerTasksNeeds(fastify, config)
  await fastify.register(fakeDependency === undefined ? dependency : fp(fakeDependency, { name: 'dependency' }))
  await fastify.register(redis)
  before?.(fastify)
  await fastify.register(tasks)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

/** The task once it is no longer pending; `withinMs` is only there so that a broken test ends. */
async function ended (fastify: FastifyInstance, id: string, withinMs = 20_000): Promise<Task | undefined> {
  const until = performance.now() + withinMs
  let task = await fastify.tasks.get(id)
  while (task?.state === 'pending' && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    task = await fastify.tasks.get(id)
  }
  return task
}

/** The JSON log lines written so far. */
const logged = (logLines: string[]): Array<Record<string, unknown>> => logLines.map((line) => JSON.parse(line))

t.test(
  "it declares that it needs @fastify/sensible, the shutdown, the metrics, the dependency and Redis's connection",
  async (t) => {
    const fastify = Fastify()
    t.teardown(() => fastify.close())
    await t.rejects(async () => { await fastify.register(tasks) }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
  }
)

t.test('a task is one dependency call of its latency, in the background: pending at once, then done', async (t) => {
  const fastify = await bare(t)
  const task = await fastify.tasks.create(200)
  t.match(task, { state: 'pending', latencyMs: 200 }, 'answered without waiting for the call')
  t.equal(fastify.dependency.inFlight, 1, 'its call in flight')
  const done = await ended(fastify, task.id)
  t.equal(done?.state, 'done')
  t.ok(Date.parse(done?.endedAt as string) - Date.parse(done?.createdAt as string) >= 195, 'ended after its latency')
  t.equal(fastify.dependency.inFlight, 0)
})

t.test(
  'a failed call fails its task: recorded with the error, logged as a warning with its id, and nothing thrown',
  async (t) => {
    const logLines: string[] = []
    const fastify = await bare(t, { env: { DEPENDENCY_FAILURE_RATE: '1', LOG_LEVEL: 'info' }, logLines })
    const { id } = await fastify.tasks.create(0)
    t.match(await ended(fastify, id), { state: 'failed', error: 'The dependency failed: the dependency failed' })
    t.match(logged(logLines), [{
      level: 40,
      msg: 'background task failed',
      taskId: id,
      statusCode: 502,
      reason: 'The dependency failed: the dependency failed'
    }])
    t.equal(logLines.length, 1, 'logged once')
    t.match(await ended(fastify, (await fastify.tasks.create(0)).id), { state: 'failed' },
      'and the next task runs as well')
  }
)

t.test(
  'in production a failed task records only the name of the status its call failed with; the log has the detail',
  async (t) => {
    const logLines: string[] = []
    const fastify = await bare(t, {
      env: { NODE_ENV: 'production', DEPENDENCY_FAILURE_RATE: '1', LOG_LEVEL: 'warn' },
      logLines
    })
    const { id } = await fastify.tasks.create(0)
    t.match(await ended(fastify, id), { state: 'failed', error: 'Bad Gateway' })
    t.match(logged(logLines), [{ taskId: id, statusCode: 502, reason: 'The dependency failed: the dependency failed' }])
    t.equal(logLines.length, 1)
  }
)

t.test('a call failing with an error that is no HTTP error counts as a 500', async (t) => {
  const logLines: string[] = []
  const fakeDependency: FastifyPluginAsync = async (fastify) => {
    fastify.decorate('dependency', { call: async () => { throw new Error('a bug') }, inFlight: 0, queued: 0 })
  }
  const fastify = await bare(t, { env: { NODE_ENV: 'production', LOG_LEVEL: 'warn' }, logLines, fakeDependency })
  const { id } = await fastify.tasks.create(0)
  t.match(await ended(fastify, id), { state: 'failed', error: 'Internal Server Error' })
  t.match(logged(logLines), [{ taskId: id, statusCode: 500, reason: 'a bug' }])
})

t.test('with TASKS_MAX_PENDING tasks pending, another is refused with 503 and Retry-After', async (t) => {
  const fastify = await bare(t, { env: { TASKS_MAX_PENDING: '2', SHUTDOWN_TIMEOUT_MS: '400' } })
  await fastify.tasks.create(60_000)
  await fastify.tasks.create(60_000)
  await t.rejects(fastify.tasks.create(0),
    { statusCode: 503, message: '2 tasks are pending already', headers: { 'retry-after': '1' } })
  t.equal(fastify.dependency.inFlight, 2, 'nothing started for it')
})

t.test('background_tasks counts the tasks in each state', async (t) => {
  // Calls of 0 ms succeed, of 1 ms fail, longer ones wait until their cancellation stops them.
  let stopped = 0
  const fakeDependency: FastifyPluginAsync = async (fastify) => {
    fastify.decorate('dependency', {
      async call ({ latencyMs }: DependencyQuery, cancellation?: Cancellation) {
        if (latencyMs === 1) throw fastify.httpErrors.badGateway('failed')
        if (latencyMs > 1) {
          await new Promise((resolve, reject) => { cancellation?.onCancel((reason) => { stopped++; reject(reason) }) })
        }
        return { latencyMs }
      },
      inFlight: 0,
      queued: 0
    })
  }
  const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '400' }, fakeDependency })
  const gauge = async (): Promise<string> => await fastify.metrics.registry.getSingleMetricAsString('background_tasks')
  t.equal(await gauge(), [
    '# HELP background_tasks Background tasks by state, those ended counted until they expire',
    '# TYPE background_tasks gauge',
    'background_tasks{state="pending"} 0',
    'background_tasks{state="done"} 0',
    'background_tasks{state="failed"} 0',
    'background_tasks{state="cancelled"} 0'
  ].join('\n'), 'every state from the start')
  const created = await Promise.all([0, 0, 1, 1000, 1000, 1000].map(async (latencyMs) =>
    await fastify.tasks.create(latencyMs)))
  await Promise.all(created.slice(0, 3).map(async ({ id }) => await ended(fastify, id)))
  t.match(await gauge(), /\nbackground_tasks\{state="pending"\} 3\nbackground_tasks\{state="done"\} 2\nbackground_tasks\{state="failed"\} 1\nbackground_tasks\{state="cancelled"\} 0$/)
  await fastify.shutdown.stop()
  t.equal(stopped, 3, "each cancelled task's call stopped through its cancellation")
  t.match(await gauge(), /\nbackground_tasks\{state="pending"\} 0\nbackground_tasks\{state="done"\} 2\nbackground_tasks\{state="failed"\} 1\nbackground_tasks\{state="cancelled"\} 3$/)
})

t.test('closing the app waits for a pending task, which ends done', async (t) => {
  const fastify = await bare(t)
  const { id } = await fastify.tasks.create(300)
  const started = performance.now()
  await fastify.close()
  t.ok(performance.now() - started >= 250, 'the close waited')
  t.match(await fastify.tasks.get(id), { state: 'done', endedAt: String })
})

t.test(
  "at the shutdown's cut-off a task still pending is cancelled, recorded so, and the stop ends in time",
  async (t) => {
    const logLines: string[] = []
    // Holds the close past the cut-off, as connections still draining would: the task must not wait for them.
    let drained = false
    const before = (fastify: FastifyInstance): void => {
      fastify.addHook('preClose', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500))
        drained = true
      })
    }
    const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '400', LOG_LEVEL: 'warn' }, logLines, before })
    const { id } = await fastify.tasks.create(30_000)
    let cancelledWhileDraining: boolean | undefined
    fastify.shutdown.cutOff.addEventListener('abort', () => {
      void fastify.tasks.get(id).then((task) => { cancelledWhileDraining = task?.state === 'cancelled' && !drained })
    })
    const started = performance.now()
    await fastify.shutdown.stop()
    t.ok(performance.now() - started < 10_000, 'did not wait the 30 s of the task')
    t.equal(cancelledWhileDraining, true, 'cancelled at the cut-off, while connections were still draining')
    const task = await fastify.tasks.get(id)
    t.match(task, { state: 'cancelled', endedAt: String }, 'cancelled, not failed')
    t.notOk('error' in (task as Task))
    t.equal(fastify.dependency.inFlight, 0, 'its call stopped')
    t.match(logged(logLines),
      [{ level: 40, msg: 'background tasks cancelled: the service is shutting down', cancelled: 1 }])
    t.equal(logLines.length, 1, 'and not as a failed task')
  }
)

t.test('a cut-off that finds no task pending logs nothing', async (t) => {
  const logLines: string[] = []
  const before = (fastify: FastifyInstance): void => {
    fastify.addHook('preClose', async () => { await new Promise((resolve) => setTimeout(resolve, 600)) })
  }
  const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '400', LOG_LEVEL: 'warn' }, logLines, before })
  await fastify.tasks.create(0)
  await fastify.shutdown.stop()
  t.equal(fastify.shutdown.cutOff.aborted, true, 'the cut-off came')
  t.same(logLines, [])
})

t.test(
  'closing the app without a stop waits for as long as a stop would, then cancels the tasks still pending',
  async (t) => {
    const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '2000' } })
    const { id } = await fastify.tasks.create(30_000)
    const started = performance.now()
    await fastify.close()
    const tookMs = performance.now() - started
    t.ok(tookMs >= 1495, `waited the 1.5 s a stop's cut-off would give (${Math.round(tookMs)} ms)`)
    t.ok(tookMs < 10_000, 'not the 30 s of the task')
    t.match(await fastify.tasks.get(id), { state: 'cancelled' })
  }
)

t.test('with SHUTDOWN_TIMEOUT_MS=0 the close waits for pending tasks however long they take', async (t) => {
  // Longer than Fastify lets a preClose hook run: the wait must not be one.
  const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '0' }, pluginTimeout: 500 })
  const { id } = await fastify.tasks.create(1000)
  const started = performance.now()
  await fastify.close()
  t.ok(performance.now() - started >= 950, 'waited for the task')
  t.match(await fastify.tasks.get(id), { state: 'done' })
})

t.test('once the service drains, a new task is refused with 503 and Retry-After', async (t) => {
  const fastify = await bare(t, { env: { SHUTDOWN_TIMEOUT_MS: '400' } })
  await fastify.tasks.create(60_000)
  t.match(await fastify.tasks.create(0), { state: 'pending' }, 'accepted before')
  const draining = once(fastify.shutdown.draining, 'abort')
  const closed = fastify.close()
  await draining
  await t.rejects(fastify.tasks.create(0),
    { statusCode: 503, message: 'The service is shutting down', headers: { 'retry-after': '1' } })
  await closed
})
