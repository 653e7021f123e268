// The Redis task store on a real Redis, each store a replica: a task's record through its states and times as any
// replica reads it, the limit on pending tasks across replicas, expiry, counts, and the stop: drained, interrupted
// tasks handed back to another replica, never failed.
import { Redis, type Command } from 'ioredis'
import t, { type Test } from 'tap'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import { RedisTaskStore, type RedisTaskStoreOptions } from '../../../src/tasks/redis.ts'
import type { RedisLog } from '../../../src/redis/port.ts'
import type { Task } from '../../../src/tasks/schemas.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

// Some tests wait for a task's hold to expire (twice), or for a place taken to be freed: a minute in all, more when
// busy.
t.setTimeout(240_000)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** A task's work that ends when the test says so (or when its cancellation is cancelled), and what it was given. */
interface Controlled {
  task: Readonly<Task>
  cancellation: Cancellation
  resolve: () => void
  reject: (error: Error) => void
}

interface Replica {
  store: RedisTaskStore
  /** The works this replica started, in order. */
  works: Controlled[]
  /** What the store said went wrong. */
  errors: Error[]
  client: Redis
  workerConnection: Redis
}

/**
 * A replica's store on `redis`, with connections as the app makes them, ready (with `connectedFirst`, before the store
 * is made), whose works wait for the test to end them; interrupted and closed when the test ends.
 */
async function replica (
  t: Test,
  redis: RedisServer,
  options: Partial<RedisTaskStoreOptions> = {},
  { connectedFirst = false } = {}
): Promise<Replica> {
  const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000)
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy })
  const workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy })
  for (const connection of [client, workerConnection]) connection.on('error', () => {})
  const works: Controlled[] = []
  const errors: Error[] = []
  // What the store says went wrong with Redis, as it logs it.
  const said = ({ err }: { err: Error }): void => { errors.push(err) }
  const ready = async (): Promise<void> => {
    await until(() => client.status === 'ready' && workerConnection.status === 'ready', 20_000)
  }
  if (connectedFirst) await ready()
  const store = new RedisTaskStore({
    client,
    blocking: workerConnection,
    prefix: 'test',
    log: { error: said, warn: said, info: () => {} } as unknown as RedisLog,
    maxPending: 10,
    ttlMs: 60_000,
    work: async (task, cancellation) => {
      await new Promise<void>((resolve, reject) => {
        works.push({ task, cancellation, resolve, reject })
        cancellation.onCancel(reject)
      })
    },
    ...options
  })
  t.teardown(async () => {
    await store.interrupt(new Error('the test is over'))
    await store.close()
    client.disconnect()
    workerConnection.disconnect()
  })
  await ready()
  return { store, works, errors, client, workerConnection }
}

/**
 * The task once `condition` holds for it as `replica` reads it; `withinMs` is only there so that a broken test ends.
 */
async function read (
  { store }: Replica,
  id: string,
  condition: (task: Task | undefined) => boolean,
  withinMs = 20_000
): Promise<Task | undefined> {
  const until = performance.now() + withinMs
  let task = await store.get(id)
  while (!condition(task) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    task = await store.get(id)
  }
  return task
}

const ended = (task: Task | undefined): boolean => task?.state !== 'pending'

/** Waits until `condition` resolves true; fails after `ms`. */
async function eventually (condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const started = performance.now()
  while (!(await condition())) {
    if (performance.now() - started > ms) throw new Error(`not so within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * A replica whose worker runs a task (its work held), on a Redis of its own, which then stopped: the worker knows it.
 */
async function taskRunningRedisGone (t: Test): Promise<Replica> {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  await a.store.create({ latencyMs: 1 })
  await until(() => a.works.length === 1, 20_000)
  await redis.stop()
  await until(() => a.workerConnection.status !== 'ready')
  return a
}

t.test(
  "a task is created pending with a UUID, its latency and when; a replica's worker runs it, saying when it started",
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const before = Date.now()
    const task = await a.store.create({ latencyMs: 250 }) as Task
    t.same(task, { id: task.id, state: 'pending', latencyMs: 250, createdAt: task.createdAt })
    t.match(task.id, UUID)
    t.ok(Date.parse(task.createdAt) >= before - 5 && Date.parse(task.createdAt) <= Date.now(), 'created now')
    await until(() => a.works.length === 1, 20_000)
    const started = a.works[0]?.task as Task
    t.same(started, { ...task, startedAt: started.startedAt }, 'its work given the task, pending')
    t.match(started.startedAt, ISO)
    t.ok(Date.parse(started.startedAt as string) >= Date.parse(task.createdAt), 'started after it was created')
    t.same(await a.store.get(task.id), started, 'read back by its id')
    t.not((await a.store.create({ latencyMs: 250 }))?.id, task.id, 'each task its own id')
  }
)

t.test('a store made on connections ready already runs its tasks too', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis, {}, { connectedFirst: true })
  const task = await a.store.create({ latencyMs: 100 }) as Task
  await until(() => a.works.length === 1, 20_000)
  t.equal(a.works[0]?.task.id, task.id)
})

t.test('a task whose work resolves is done, with its end time, as any replica reads it', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const { id } = await a.store.create({ latencyMs: 100 }) as Task
  await until(() => a.works.length === 1, 20_000)
  const b = await replica(t, redis)
  t.equal((await b.store.get(id))?.state, 'pending', 'pending while its work runs')
  a.works[0]?.resolve()
  const done = await read(b, id, ended) as Task
  t.same(done, {
    id, state: 'done', latencyMs: 100, createdAt: done.createdAt, startedAt: done.startedAt, endedAt: done.endedAt
  })
  t.match(done, { createdAt: ISO, startedAt: ISO, endedAt: ISO })
  t.ok(Date.parse(done.startedAt as string) <= Date.parse(done.endedAt as string), 'ended after it started')
  t.same(await a.store.get(id), done, 'the same from the replica that ran it')
})

t.test("a task whose work rejects has failed, with the error's message, as any replica reads it", async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const b = await replica(t, redis)
  const { id } = await b.store.create({ latencyMs: 100 }) as Task
  await until(() => a.works.length + b.works.length === 1, 20_000)
  ;[...a.works, ...b.works][0]?.reject(new Error('The dependency failed'))
  t.match(await read(a, id, ended), { id, state: 'failed', error: 'The dependency failed', endedAt: ISO })
  t.same(await a.store.get(id), await b.store.get(id))
  t.equal(await a.client.hget(`test:tasks:${id}`, 'stacktrace'), '[]', 'its stack not kept')
  t.same(a.errors, [], 'nothing went wrong with Redis')
})

t.test('an unknown id is undefined', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  t.equal(await a.store.get('00000000-0000-4000-8000-000000000000'), undefined)
})

t.test(
  'with maxPending tasks pending across replicas, create answers undefined and adds nothing, however many ask at once',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { maxPending: 3 })
    const b = await replica(t, redis, { maxPending: 3 })
    const created = await Promise.all([a, b, a, b, a, b, a, b, a, b, a, b].map(async ({ store }) =>
      await store.create({ latencyMs: 1 })))
    t.equal(created.filter((task) => task !== undefined).length, 3, 'three accepted of twelve')
    t.same(await a.store.counts(), { pending: 3, done: 0, failed: 0, cancelled: 0 }, 'only those added')
    await until(() => a.works.length + b.works.length === 3, 20_000)
    t.equal(await b.store.create({ latencyMs: 1 }), undefined, 'running counts as pending')
    ;[...a.works, ...b.works][0]?.resolve()
    await eventually(async () => (await a.store.counts()).pending === 2)
    t.match(await b.store.create({ latencyMs: 1 }), { state: 'pending' }, 'an ended task frees its place')
    t.equal(await a.store.create({ latencyMs: 1 }), undefined, 'and only one')
  }
)

t.test(
  'a place taken for a task that never reached the queue (its replica died in between) is free again 10 s after',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { maxPending: 1 })
    // What the store's first step leaves behind when its second never comes.
    const taken = Date.now()
    await a.client.zadd('test:tasks:reservations', taken, '00000000-0000-4000-8000-000000000000')
    t.equal(await a.store.create({ latencyMs: 1 }), undefined, 'the place is taken')
    await eventually(async () => (await a.store.create({ latencyMs: 1 })) !== undefined, 40_000)
    const waited = Date.now() - taken
    t.ok(waited >= 9900, `free again 10 s after (${waited} ms)`)
  }
)

t.test(
  'an ended task is readable for the TTL after it ends, then gone, no longer counted, ' +
    'and dropped from Redis as others end',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { ttlMs: 1500 })
    const first = await a.store.create({ latencyMs: 1 }) as Task
    const second = await a.store.create({ latencyMs: 1 }) as Task
    await until(() => a.works.length === 2, 20_000)
    a.works[0]?.resolve()
    a.works[1]?.reject(new Error('failed'))
    const done = await read(a, first.id, ended) as Task
    t.equal(done.state, 'done')
    t.equal((await read(a, second.id, ended))?.state, 'failed')
    t.same(await a.store.counts(), { pending: 0, done: 1, failed: 1, cancelled: 0 })
    await eventually(async () => (await a.store.get(first.id)) === undefined, 20_000)
    t.ok(Date.now() - Date.parse(done.endedAt as string) >= 1500, 'gone once the TTL has passed')
    await eventually(async () => (await a.store.get(second.id)) === undefined, 20_000)
    t.same(await a.store.counts(), { pending: 0, done: 0, failed: 0, cancelled: 0 })
    // BullMQ drops from Redis, in whole seconds, what ended 2 s ago or more, as another task ends.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(done.endedAt as string) + 2100 - Date.now()))
    await a.store.create({ latencyMs: 1 })
    await until(() => a.works.length === 3, 20_000)
    a.works[2]?.resolve()
    await eventually(async () => (await a.client.exists(`test:tasks:${first.id}`)) === 0, 20_000)
    t.pass('dropped from Redis')
  }
)

t.test('with a TTL of 0, ended tasks are kept, read and counted', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis, { ttlMs: 0 })
  const { id } = await a.store.create({ latencyMs: 1 }) as Task
  await until(() => a.works.length === 1, 20_000)
  a.works[0]?.resolve()
  await read(a, id, ended)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  await a.store.create({ latencyMs: 1 })
  await until(() => a.works.length === 2, 20_000)
  a.works[1]?.resolve()
  await eventually(async () => (await a.store.counts()).done === 2)
  t.equal((await a.store.get(id))?.state, 'done', 'still there after another task ended, more than a second later')
})

t.test('counts say how many tasks are in each state, the same from every replica', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const b = await replica(t, redis)
  for (let i = 0; i < 5; i++) await [a, b][i % 2]?.store.create({ latencyMs: 1 })
  await until(() => a.works.length + b.works.length === 5, 20_000)
  const works = [...a.works, ...b.works]
  works[0]?.resolve()
  works[1]?.resolve()
  works[2]?.reject(new Error('failed'))
  await eventually(async () => (await a.store.counts()).pending === 2)
  t.same(await a.store.counts(), { pending: 2, done: 2, failed: 1, cancelled: 0 })
  t.same(await b.store.counts(), { pending: 2, done: 2, failed: 1, cancelled: 0 })
})

t.test(
  'interrupt cancels the work of the tasks running here and hands them back, pending, to another replica: ' +
    'done there, never failed',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const tasks = [await a.store.create({ latencyMs: 1 }) as Task, await a.store.create({ latencyMs: 1 }) as Task]
    await until(() => a.works.length === 2, 20_000)
    const reason = new Error('The service is shutting down')
    t.same(await Promise.all([a.store.interrupt(reason), a.store.interrupt(reason)]), [2, 0], 'says how many, once')
    t.equal(a.works[0]?.cancellation.reason, reason, 'their work cancelled with the reason')
    // Taken again here, a task would start again: its start time would move on.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const handedBack = await Promise.all(tasks.map(async ({ id }) => await a.store.get(id)))
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.same(await Promise.all(tasks.map(async ({ id }) => await a.store.get(id))), handedBack,
      'pending, and not taken again here')
    t.match(handedBack, [{ state: 'pending' }, { state: 'pending' }])
    const b = await replica(t, redis)
    await until(() => b.works.length === 2, 20_000)
    t.same(b.works.map(({ task }) => task.id).sort(), tasks.map(({ id }) => id).sort(), 'run by the other replica')
    for (const { task } of b.works) t.match(await a.store.get(task.id), { state: 'pending', startedAt: task.startedAt })
    for (const work of b.works) work.resolve()
    for (const { id } of tasks) {
      const task = await read(a, id, ended) as Task
      t.equal(task.state, 'done')
      t.notOk('error' in task)
    }
    t.equal(a.works.length, 2, 'their work not started again by the replica that handed them back')
    t.equal(await a.store.interrupt(reason), 0, 'none left')
    t.same(a.errors, [])
  }
)

t.test(
  'drain stops taking tasks, and resolves once those running here have ended; the others wait for another replica',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const running = await a.store.create({ latencyMs: 1 }) as Task
    await until(() => a.works.length === 1, 20_000)
    let drained = false
    const draining = a.store.drain().then(() => { drained = true })
    const waiting = await a.store.create({ latencyMs: 1 }) as Task
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal(a.works.length, 1, 'the new task not taken')
    t.equal(drained, false, 'one still running')
    a.works[0]?.resolve()
    await draining
    t.equal((await a.store.get(running.id))?.state, 'done')
    t.same(await a.store.get(waiting.id), waiting, 'the new task waiting, not started')
    const b = await replica(t, redis)
    await until(() => b.works.length === 1, 20_000)
    t.equal(b.works[0]?.task.id, waiting.id, 'run by a replica that goes on')
  }
)

/**
 * Holds the worker's takes of a task (BullMQ's moveToActive script, the one that names the rate limiter's key) on
 * `connection` until released; `arrived` once one is held.
 */
function holdTakes (connection: Redis): { arrived: Promise<void>, release: () => void } {
  let release = (): void => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  let arrive = (): void => {}
  const arrived = new Promise<void>((resolve) => { arrive = resolve })
  const send = connection.sendCommand.bind(connection)
  connection.sendCommand = ((command: Command, stream?: unknown) => {
    if (!command.args.some((arg) => String(arg) === 'test:tasks:limiter')) return send(command, stream as never)
    arrive()
    void released.then(() => send(command, stream as never))
    return command.promise
  }) as typeof connection.sendCommand
  return { arrived, release }
}

t.test('a task the worker was taking as the drain came goes back at once, never started, for another replica',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const take = holdTakes(a.workerConnection)
    const { id, createdAt } = await a.store.create({ latencyMs: 1 }) as Task
    await take.arrived
    const draining = a.store.drain()
    take.release()
    await draining
    t.equal(a.works.length, 0, 'not run here')
    t.same(await a.store.get(id), { id, state: 'pending', latencyMs: 1, createdAt }, 'pending, and never started')
    const b = await replica(t, redis)
    await until(() => b.works.length === 1, 20_000)
    t.equal(b.works[0]?.task.id, id, 'run by a replica that goes on')
  })

t.test('Redis away: create, get and counts fail at once; back, the worker takes tasks again by itself', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  await redis.stop()
  await until(() => a.client.status !== 'ready' && a.workerConnection.status !== 'ready')
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['create', async () => await a.store.create({ latencyMs: 1 })],
    ['get', async () => await a.store.get('00000000-0000-4000-8000-000000000000')],
    ['counts', async () => await a.store.counts()]
  ]
  for (const [name, operation] of operations) {
    const started = performance.now()
    await t.rejects(operation(), `${name} fails`)
    t.ok(performance.now() - started < 1000, `${name} fails at once`)
  }
  await redis.start()
  await until(() => a.client.status === 'ready', 20_000)
  const { id } = await a.store.create({ latencyMs: 1 }) as Task
  await until(() => a.works.length === 1, 30_000)
  a.works[0]?.resolve()
  t.equal((await read(a, id, ended))?.state, 'done', 'run by the worker that was there all along')
})

t.test('closing while Redis is away, the end of a task waiting to be recorded: nothing waits', async (t) => {
  const a = await taskRunningRedisGone(t)
  a.works[0]?.resolve()
  // As the app's close does: the drain waited for until the cut-off, then the rest interrupted, then the close.
  const drained = a.store.drain()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const started = performance.now()
  t.equal(await a.store.interrupt(new Error('stopping')), 0, 'nothing running: its work has ended')
  await a.store.close()
  await drained
  t.ok(performance.now() - started < 5000, 'closed without waiting for Redis')
})

t.test('Redis gone while the close waits for the end of a task to be recorded: nothing waits', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  await a.store.create({ latencyMs: 1 })
  await until(() => a.works.length === 1, 20_000)
  const closing = a.store.close()
  await redis.stop()
  await until(() => a.client.status !== 'ready')
  a.works[0]?.resolve()
  const started = performance.now()
  await closing
  t.ok(performance.now() - started < 5000, 'closed without waiting for Redis')
})

t.test(
  'a task interrupted while Redis is away stays held where it was: the hand-back fails, said, and nothing waits',
  async (t) => {
    const a = await taskRunningRedisGone(t)
    const drained = a.store.drain()
    t.equal(await a.store.interrupt(new Error('stopping')), 1)
    const started = performance.now()
    await a.store.close()
    await drained
    t.ok(performance.now() - started < 5000, 'closed without waiting for Redis')
    // The outage is said once, by whichever failure of it comes first: the hand-back's, or a connection's.
    t.equal(a.errors.length, 1, 'the outage said, once')
    const [said] = a.errors as [Error]
    t.ok('syscall' in said || /^(Connection is closed\.|Stream isn't writeable)/.test(said.message),
      `a connection's failure: ${said.message}`)
  }
)

t.test('a store whose Redis never came has run nothing, and drains and closes at once', async (t) => {
  const redis = await redisServer(t)
  await redis.stop()
  const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000)
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy })
  const workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy })
  for (const connection of [client, workerConnection]) connection.on('error', () => {})
  t.teardown(() => {
    client.disconnect()
    workerConnection.disconnect()
  })
  let worked = false
  const store = new RedisTaskStore({
    client,
    blocking: workerConnection,
    prefix: 'test',
    log: { error: () => {}, warn: () => {}, info: () => {} } as unknown as RedisLog,
    maxPending: 10,
    ttlMs: 60_000,
    work: async () => { worked = true }
  })
  // A few attempts to connect.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const started = performance.now()
  await store.drain()
  await store.close()
  t.ok(performance.now() - started < 5000, 'at once')
  t.equal(worked, false)
})

t.test(
  'a task held by a replica that died without a stop is run again by another once its hold expires, ' +
    '10 to 20 s after; and again if that one dies too',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis)
    const { id } = await a.store.create({ latencyMs: 1 }) as Task
    await until(() => a.works.length === 1, 20_000)
    let running = a
    for (const death of ['first', 'second']) {
      // As the replica dies: nothing it sends reaches Redis any more, so its hold on the task is not renewed.
      running.workerConnection.disconnect()
      const died = performance.now()
      const next = await replica(t, redis)
      await until(() => next.works.length === 1, 60_000)
      const after = performance.now() - died
      t.equal(next.works[0]?.task.id, id, `run again after the ${death} death`)
      t.ok(after >= 4000, `not while it was held (${Math.round(after)} ms after)`)
      t.ok(after < 30_000, `soon after its hold expired (${Math.round(after)} ms after)`)
      running = next
    }
    running.works[0]?.resolve()
    const task = await read(running, id, ended) as Task
    t.equal(task.state, 'done', 'done, not failed')
    t.notOk('error' in task)
  }
)

t.test(
  'a store whose worker never got its second connection (Redis went away as it started) closes at once',
  async (t) => {
    const redis = await redisServer(t)
    const admin = new Redis(redis.url, { lazyConnect: true })
    admin.on('error', () => {})
    t.teardown(() => { admin.disconnect() })
    // Room for this connection and the store's two: the connection the worker opens for itself is refused.
    await admin.config('SET', 'maxclients', '3')
    const a = await replica(t, redis)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await redis.stop()
    await until(() => a.workerConnection.status !== 'ready')
    const started = performance.now()
    const drained = a.store.drain()
    await a.store.close()
    await drained
    t.ok(performance.now() - started < 5000, 'at once')
  }
)
