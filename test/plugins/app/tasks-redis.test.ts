// fastify.tasks with REDIS_URL, on a bare Fastify with what it needs and a dependency the test ends: 503 while Redis is
// away, the gauge read from Redis (and left out while it is away), what is logged, and the stop: tasks still running
// at the cut-off handed back to another replica, never failed.
import { once } from 'node:events'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import redisPlugin, { type RedisConnection } from '../../../plugins/external/redis.ts'
import tasks from '../../../plugins/app/tasks.ts'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import type { DependencyQuery } from '../../../src/dependency/port.ts'
import type { Task } from '../../../src/tasks/schemas.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'
import { registerTasksNeeds } from '../../helpers/tasks.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

/** What a client is told while Redis is unreachable. */
const UNAVAILABLE = 'Background tasks are unavailable for now; retry later'

// Waits for Redis to come back, and for tasks to move between replicas.
t.setTimeout(120_000)

/** A call the dependency holds until the test ends it, or until its cancellation. */
interface HeldCall {
  latencyMs: number
  end: (error?: Error) => void
}

interface Replica {
  fastify: FastifyInstance
  /** The calls its tasks made, in order. */
  calls: HeldCall[]
  logLines: string[]
}

interface ReplicaOptions {
  /** Adds hooks before the plugin's own, such as a preClose that holds the close as connections still draining do. */
  before?: (fastify: FastifyInstance) => void
  /** Whether to wait until Redis is reached (true unless a test says otherwise). */
  waitForRedis?: boolean
}

/**
 * A bare Fastify with what fastify.tasks needs, its dependency's calls held until the test ends them (or their
 * cancellation does), on `redis`; closed when the test ends.
 */
async function replica (
  t: Test,
  redis: RedisServer,
  env: Record<string, string> = {},
  { before, waitForRedis = true }: ReplicaOptions = {}
): Promise<Replica> {
  // A short cut-off: the tasks still held when the test ends are handed back soon.
  const config = await testConfig({
    REDIS_URL: redis.url, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400', LOG_LEVEL: 'info', ...env
  })
  const logLines: string[] = []
  const fastify = Fastify(serverOptions(config, { write: (line: string) => { logLines.push(line) } }))
  const calls: HeldCall[] = []
  await registerTasksNeeds(fastify, config)
  await fastify.register(fp(async (fastify) => {
    fastify.decorate('dependency', {
      async call ({ latencyMs }: DependencyQuery, cancellation?: Cancellation) {
        await new Promise<void>((resolve, reject) => {
          calls.push({ latencyMs, end: (error) => { if (error === undefined) resolve(); else reject(error) } })
          cancellation?.onCancel(reject)
        })
        return { latencyMs }
      },
      inFlight: 0,
      queued: 0
    })
  }, { name: 'dependency' }))
  await fastify.register(redisPlugin)
  before?.(fastify)
  await fastify.register(tasks)
  await fastify.ready()
  t.teardown(() => fastify.close())
  if (waitForRedis) await until(() => fastify.redis?.up === true, 20_000)
  return { fastify, calls, logLines }
}

/** The JSON log lines written so far, those at `level` or above. */
const logged = (logLines: string[], level = 30): Array<Record<string, unknown>> =>
  logLines.map((line) => JSON.parse(line)).filter((line) => line.level >= level)

/** Those the tasks wrote. */
const tasksLogged = (logLines: string[], level = 30): Array<Record<string, unknown>> =>
  logged(logLines, level).filter(({ msg }) => /^background task/.test(String(msg)))

/** The task as `fastify` reads it once `condition` holds; `withinMs` is only there so that a broken test ends. */
async function read (
  fastify: FastifyInstance,
  id: string,
  condition: (task: Task | undefined) => boolean,
  withinMs = 20_000
): Promise<Task | undefined> {
  const until = performance.now() + withinMs
  let task = await fastify.tasks.get(id)
  while (!condition(task) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    task = await fastify.tasks.get(id)
  }
  return task
}

const ended = (task: Task | undefined): boolean => task?.state !== 'pending'

t.test('a task accepted by one replica is run by a worker, and read the same from every replica', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const b = await replica(t, redis)
  const task = await a.fastify.tasks.create(250)
  t.match(task, { state: 'pending', latencyMs: 250 })
  await until(() => a.calls.length + b.calls.length === 1, 20_000)
  t.equal([...a.calls, ...b.calls][0]?.latencyMs, 250, 'one dependency call of its latency')
  ;[...a.calls, ...b.calls][0]?.end()
  const done = await read(b.fastify, task.id, ended)
  t.match(done, { id: task.id, state: 'done', endedAt: String })
  t.same(await a.fastify.tasks.get(task.id), done)
})

t.test('a failed call fails its task: recorded with the error, one warning with its id, nothing thrown', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis, { NODE_ENV: 'production' })
  const { id } = await a.fastify.tasks.create(0)
  await until(() => a.calls.length === 1, 20_000)
  a.calls[0]?.end(a.fastify.httpErrors.badGateway('The dependency failed: it broke'))
  t.match(await read(a.fastify, id, ended), { state: 'failed', error: 'Bad Gateway' })
  t.match(logged(a.logLines, 40), [{
    level: 40, msg: 'background task failed', taskId: id, statusCode: 502, reason: 'The dependency failed: it broke'
  }])
  t.equal(logged(a.logLines, 40).length, 1, 'once')
})

t.test(
  'Redis away: creating and reading answer 503 with Retry-After at once, no line per attempt; back, all works again',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const before = await a.fastify.tasks.create(0)
    await until(() => a.calls.length === 1, 20_000)
    await redis.stop()
    await until(() => a.fastify.redis?.up === false)
    const unavailable = { statusCode: 503, message: UNAVAILABLE, headers: { 'retry-after': '1' } }
    for (let i = 0; i < 20; i++) {
      const started = performance.now()
      await t.rejects(a.fastify.tasks.create(0), unavailable)
      await t.rejects(a.fastify.tasks.get(before.id), unavailable)
      t.ok(performance.now() - started < 1000, 'at once')
    }
    // Its worker tries again meanwhile, as do the connections.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    t.same(logged(a.logLines).map(({ msg }) => msg).sort(), [
      'background tasks: Redis unreachable; trying again',
      'redis unreachable: requests that need it get 503 until it is back'
    ], 'said once, by the connection and by the tasks')
    await redis.start()
    await until(() => a.fastify.redis?.up === true, 20_000)
    const { id } = await a.fastify.tasks.create(0)
    await until(() => a.calls.length === 2, 30_000)
    a.calls[1]?.end()
    t.match(await read(a.fastify, id, ended), { state: 'done' }, 'run by the worker, back by itself')
  }
)

t.test(
  'a replica started while Redis is away answers 503 at once, and takes and runs tasks once Redis comes',
  async (t) => {
    const redis = await redisServer(t)
    await redis.stop()
    const a = await replica(t, redis, {}, { waitForRedis: false })
    const started = performance.now()
    await t.rejects(a.fastify.tasks.create(0), { statusCode: 503, message: UNAVAILABLE })
    await t.rejects(a.fastify.tasks.get('00000000-0000-4000-8000-000000000000'),
      { statusCode: 503, message: UNAVAILABLE })
    t.ok(performance.now() - started < 1000, 'at once')
    await redis.start()
    await until(() => a.fastify.redis?.up === true, 20_000)
    const { id } = await a.fastify.tasks.create(0)
    await until(() => a.calls.length === 1, 30_000)
    a.calls[0]?.end()
    t.match(await read(a.fastify, id, ended), { state: 'done' })
  }
)

t.test('Redis gone while a task is being accepted: 503 with Retry-After, as if it had gone before', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const admin = new Redis(redis.url)
  admin.on('error', () => {})
  t.teardown(() => { admin.disconnect() })
  // Redis holds what would write meanwhile: the task's first command is on its way when Redis goes.
  await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE')
  const refused = t.rejects(a.fastify.tasks.create(0),
    { statusCode: 503, message: UNAVAILABLE, headers: { 'retry-after': '1' } })
  await new Promise((resolve) => setTimeout(resolve, 200))
  await redis.stop()
  await refused
})

t.test('a command Redis refuses while it is up is a failure of its own, not a 503', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const { id } = await a.fastify.tasks.create(0)
  await a.fastify.redis?.client.config('SET', 'maxmemory', '1')
  await t.rejects(a.fastify.tasks.create(0), { message: /^OOM command not allowed/, statusCode: undefined })
  t.match(await a.fastify.tasks.get(id), { id }, 'reads go on')
})

t.test(
  'a failure between the tasks and Redis while it is up is a warning: a task whose record Redis lost',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const { id } = await a.fastify.tasks.create(0)
    await until(() => a.calls.length === 1, 20_000)
    // A Redis that restarts empty, as one without persistence does.
    await redis.stop()
    await redis.start()
    await until(() => a.fastify.redis?.up === true, 20_000)
    a.calls[0]?.end()
    // The restarts said too: Redis unreachable, then back.
    const failed = (): Array<Record<string, unknown>> =>
      tasksLogged(a.logLines).filter(({ msg }) => msg === 'background tasks: Redis failed')
    await until(() => failed().length > 0, 20_000)
    t.match(failed(), [{ level: 40, err: { message: new RegExp(`^Missing key for job ${id}`) } }])
    t.equal(await a.fastify.tasks.get(id), undefined, 'gone with the rest of Redis')
  }
)

t.test(
  'background_tasks counts the tasks of every replica from Redis; while Redis is away it has no value, ' +
    'and the scrape goes on',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const b = await replica(t, redis)
    const gauge = async ({ fastify }: Replica): Promise<string> =>
      await fastify.metrics.registry.getSingleMetricAsString('background_tasks')
    for (const fastify of [a.fastify, b.fastify, a.fastify, b.fastify]) await fastify.tasks.create(1)
    await until(() => a.calls.length + b.calls.length === 4, 20_000)
    const calls = [...a.calls, ...b.calls]
    calls[0]?.end()
    calls[1]?.end(new Error('failed'))
    await until(() => logged(a.logLines, 40).length + logged(b.logLines, 40).length === 1, 20_000)
    const counts = /\nbackground_tasks\{state="pending"\} 2\nbackground_tasks\{state="done"\} 1\nbackground_tasks\{state="failed"\} 1\nbackground_tasks\{state="cancelled"\} 0$/
    let seen = ''
    for (let i = 0; i < 100 && !counts.test(seen); i++) {
      seen = await gauge(a)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    t.match(seen, counts)
    t.match(await gauge(b), counts, 'the same from the other replica')
    await redis.stop()
    await until(() => a.fastify.redis?.up === false)
    t.equal(
      await gauge(a),
      '# HELP background_tasks Background tasks by state, those ended counted until they expire\n' +
        '# TYPE background_tasks gauge',
      'no value'
    )
    await redis.start()
    await until(() => a.fastify.redis?.up === true, 20_000)
    t.match(await gauge(a), /\nbackground_tasks\{state="pending"\} 0\n/, 'counted again once Redis is back (empty, as it restarted)')
  }
)

t.test(
  "at the shutdown's cut-off the tasks running here go back to the queue, said once; " +
    'another replica runs them, never failed',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const created = [await a.fastify.tasks.create(30_000), await a.fastify.tasks.create(30_000)]
    await until(() => a.calls.length === 2, 20_000)
    const started = performance.now()
    await a.fastify.shutdown.stop()
    t.ok(performance.now() - started < 10_000, 'did not wait the 30 s of the tasks')
    t.match(tasksLogged(a.logLines), [{
      level: 30, msg: 'background tasks handed back to the queue: the service is shutting down', handedBack: 2
    }])
    t.equal(tasksLogged(a.logLines).length, 1, 'once, and not as failed tasks')
    const b = await replica(t, redis)
    await until(() => b.calls.length === 2, 20_000)
    for (const call of b.calls) call.end()
    for (const { id } of created) {
      const task = await read(b.fastify, id, ended) as Task
      t.equal(task.state, 'done')
      t.notOk('error' in task)
    }
  }
)

t.test(
  'closing the app without a stop waits as long as a stop would, then hands back the tasks still running',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { SHUTDOWN_TIMEOUT_MS: '2000' })
    const { id } = await a.fastify.tasks.create(30_000)
    await until(() => a.calls.length === 1, 20_000)
    const started = performance.now()
    await a.fastify.close()
    const tookMs = performance.now() - started
    t.ok(tookMs >= 1495, `waited the 1.5 s a stop's cut-off would give (${Math.round(tookMs)} ms)`)
    t.ok(tookMs < 10_000, 'not the 30 s of the task')
    const b = await replica(t, redis)
    t.match(await b.fastify.tasks.get(id), { state: 'pending' }, 'back in the queue')
    await until(() => b.calls.length === 1, 20_000)
  }
)

t.test('a close that finds nothing running here says nothing, and leaves the queue to the others', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  await a.fastify.shutdown.stop()
  const b = await replica(t, redis)
  const { id } = await b.fastify.tasks.create(0)
  await until(() => b.calls.length === 1, 20_000)
  b.calls[0]?.end()
  t.match(await read(b.fastify, id, ended), { state: 'done' })
  t.same(tasksLogged(a.logLines), [])
})

t.test(
  'a replica that drains takes no more tasks from the queue, while its close is held by connections still draining',
  async (t) => {
    const redis = await redisServer(t)
    let holding = true
    const before = (fastify: FastifyInstance): void => {
      fastify.addHook('preClose', async () => { await until(() => !holding, 20_000) })
    }
    const a = await replica(t, redis, {}, { before })
    // Another replica's, as its queue holds it: added straight to the queue, as the draining one refuses to accept it.
    const queue = new Queue('tasks',
      { connection: a.fastify.redis?.connection('producer') as Redis, prefix: 'async-service' })
    t.teardown(() => queue.close())
    const draining = once(a.fastify.shutdown.draining, 'abort')
    const closed = a.fastify.close()
    await draining
    await queue.add('task', { latencyMs: 0 }, { jobId: '00000000-0000-4000-8000-000000000001' })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    t.equal(a.calls.length, 0, 'not taken')
    holding = false
    await closed
    t.equal(a.calls.length, 0)
  }
)

t.test('closing the app while Redis is away, the end of a task waiting to be recorded: nothing waits', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  await a.fastify.tasks.create(0)
  await until(() => a.calls.length === 1, 20_000)
  await redis.stop()
  await until(() => a.fastify.redis?.up === false)
  a.calls[0]?.end()
  const started = performance.now()
  await a.fastify.close()
  t.ok(performance.now() - started < 5000,
    `closed without waiting for Redis (${Math.round(performance.now() - started)} ms)`)
})

t.test(
  "the worker's own second connection is closed with the app, " +
    'even when it never got through (Redis gone as it started)',
  async (t) => {
    const redis = await redisServer(t)
    const admin = new Redis(redis.url)
    admin.on('error', () => {})
    t.teardown(() => { admin.disconnect() })
    // Room for this connection and the app's two (commands, the worker's): the one BullMQ opens for its worker is
    // refused.
    await admin.config('SET', 'maxclients', '3')
    // BullMQ opens it as a copy of the worker's connection.
    const copies: Redis[] = []
    const before = (fastify: FastifyInstance): void => {
      const redis = fastify.redis as RedisConnection
      const open = redis.connection
      redis.connection = (name, options) => {
        const connection = open(name, options)
        const duplicate = connection.duplicate.bind(connection)
        connection.duplicate = (override) => {
          const copy = duplicate(override)
          copies.push(copy)
          return copy
        }
        return connection
      }
    }
    const a = await replica(t, redis, {}, { before })
    await until(() => copies.length === 1, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.not(copies[0]?.status, 'ready', 'refused')
    await redis.stop()
    await until(() => a.fastify.redis?.up === false)
    await a.fastify.close()
    t.equal(copies[0]?.status, 'end', 'no longer trying to reach Redis')
  }
)

t.test('a replica draining still accepts a task, which another replica\'s worker runs', async (t) => {
  const redis = await redisServer(t)
  // Holds the drain, as a connection still open would, until the test has asked.
  let drained: () => void = () => {}
  const held = new Promise<void>((resolve) => { drained = resolve })
  const a = await replica(t, redis, {}, {
    before: (fastify) => { fastify.addHook('preClose', async () => { await held }) }
  })
  const b = await replica(t, redis)
  const draining = once(a.fastify.shutdown.draining, 'abort')
  const closed = a.fastify.close()
  await draining
  const { id } = await a.fastify.tasks.create(0)
  drained()
  await closed
  await until(() => b.calls.length === 1, 20_000)
  b.calls[0]?.end()
  t.match(await read(b.fastify, id, ended), { state: 'done' }, 'run by the other replica')
})
