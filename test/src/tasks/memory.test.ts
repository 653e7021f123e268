// The in-memory task store: a task's record through its states and times, the limit on pending tasks, expiry after
// the TTL, counts, and interrupting or waiting for every pending task.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import type { Task } from '../../../src/tasks/schemas.ts'
import { MemoryTaskStore, type MemoryTaskStoreOptions } from '../../../src/tasks/memory.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A task's work that ends when the test says so, and what it was given. */
interface Controlled {
  task: Readonly<Task>
  cancellation: Cancellation
  resolve: () => void
  reject: (error: Error) => void
}

/** A store whose works wait for the test to end them, on a clock the test moves (`clock.ms`, from 2026-01-01). */
function controlled (
  options: Partial<MemoryTaskStoreOptions> = {}
): { store: MemoryTaskStore, works: Controlled[], clock: { ms: number } } {
  const works: Controlled[] = []
  const clock = { ms: Date.UTC(2026, 0, 1) }
  const store = new MemoryTaskStore({
    maxPending: 10,
    ttlMs: 60_000,
    now: () => clock.ms,
    work: async (task, cancellation) => {
      await new Promise<void>((resolve, reject) => { works.push({ task, cancellation, resolve, reject }) })
    },
    ...options
  })
  return { store, works, clock }
}

/** Lets the store see how a work ended (a rejection or resolution is seen a few microtasks later). */
const settle = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

t.test(
  'a task is created pending with a UUID, its latency and its times, and its work is started with it',
  async (t) => {
    const { store, works } = controlled()
    const task = await store.create({ latencyMs: 250 })
    t.same(task, {
      id: task?.id,
      state: 'pending',
      latencyMs: 250,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: '2026-01-01T00:00:00.000Z'
    })
    t.match(task?.id, UUID)
    t.equal(works.length, 1, 'its work started')
    t.match(works[0]?.task, { id: task?.id, latencyMs: 250 })
    t.equal(works[0]?.cancellation.reason, undefined, 'with a cancellation of its own, not cancelled')
    t.same(await store.get(task?.id as string), task, 'read back by its id')
    t.not((await store.create({ latencyMs: 250 }))?.id, task?.id, 'each task its own id')
  }
)

t.test('a task whose work resolves is done, with its end time', async (t) => {
  const { store, works, clock } = controlled()
  const { id } = await store.create({ latencyMs: 100 }) as Task
  clock.ms += 1500
  works[0]?.resolve()
  await settle()
  t.same(await store.get(id), {
    id,
    state: 'done',
    latencyMs: 100,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.500Z'
  })
})

t.test("a task whose work rejects has failed, with the error's message; nothing is thrown", async (t) => {
  const { store, works } = controlled()
  const { id } = await store.create({ latencyMs: 100 }) as Task
  works[0]?.reject(new Error('The dependency failed'))
  await settle()
  t.match(await store.get(id), { state: 'failed', error: 'The dependency failed', endedAt: '2026-01-01T00:00:00.000Z' })
})

t.test('a work that throws before it returns a promise fails its task, and the task is still created', async (t) => {
  const store = new MemoryTaskStore({ maxPending: 10, ttlMs: 60_000, work: () => { throw new Error('at once') } })
  const task = await store.create({ latencyMs: 0 }) as Task
  await settle()
  t.match(await store.get(task.id), { state: 'failed', error: 'at once' })
})

t.test('what get and create answer is a copy: changing it changes nothing in the store', async (t) => {
  const { store } = controlled()
  const created = await store.create({ latencyMs: 1 }) as Task
  created.state = 'done'
  const read = await store.get(created.id) as Task
  t.equal(read.state, 'pending')
  read.state = 'failed'
  t.equal((await store.get(created.id))?.state, 'pending')
})

t.test('an unknown id is undefined', async (t) => {
  const { store } = controlled()
  t.equal(await store.get('00000000-0000-4000-8000-000000000000'), undefined)
})

t.test('with maxPending tasks pending, create answers undefined and starts nothing, until one ends', async (t) => {
  const { store, works } = controlled({ maxPending: 2 })
  await store.create({ latencyMs: 1 })
  await store.create({ latencyMs: 1 })
  t.equal(await store.create({ latencyMs: 1 }), undefined)
  t.equal(works.length, 2, 'the refused task was not started')
  t.same(await store.counts(), { pending: 2, done: 0, failed: 0, cancelled: 0 }, 'nor recorded')
  works[0]?.resolve()
  await settle()
  t.match(await store.create({ latencyMs: 1 }), { state: 'pending' }, 'an ended task frees its place')
})

t.test('counts say how many tasks are in each state', async (t) => {
  const { store, works } = controlled()
  for (let i = 0; i < 5; i++) await store.create({ latencyMs: 1 })
  works[0]?.resolve()
  works[1]?.resolve()
  works[2]?.reject(new Error('failed'))
  await settle()
  t.same(await store.counts(), { pending: 2, done: 2, failed: 1, cancelled: 0 })
  await store.interrupt(new Error('stopping'))
  t.same(await store.counts(), { pending: 0, done: 2, failed: 1, cancelled: 2 })
})

t.test('an ended task is readable for the TTL after it ends, then gone, and no longer counted', async (t) => {
  const { store, works, clock } = controlled({ ttlMs: 10_000 })
  const { id } = await store.create({ latencyMs: 1 }) as Task
  clock.ms += 60_000
  t.equal((await store.get(id))?.state, 'pending', 'a pending task never expires, however old')
  works[0]?.resolve()
  await settle()
  clock.ms += 9999
  t.equal((await store.get(id))?.state, 'done', '1 ms before the TTL')
  clock.ms += 1
  t.equal(await store.get(id), undefined, 'at the TTL')
  t.same(await store.counts(), { pending: 0, done: 0, failed: 0, cancelled: 0 })
})

t.test('each task expires the TTL after its own end, whether read, counted or created after', async (t) => {
  const { store, works, clock } = controlled({ ttlMs: 10_000 })
  const first = await store.create({ latencyMs: 1 }) as Task
  const second = await store.create({ latencyMs: 1 }) as Task
  works[0]?.resolve()
  await settle()
  clock.ms += 4000
  works[1]?.reject(new Error('failed'))
  await settle()
  clock.ms += 6000
  t.same(await store.counts(), { pending: 0, done: 0, failed: 1, cancelled: 0 }, 'the first gone, counting')
  t.equal(await store.get(first.id), undefined)
  t.equal((await store.get(second.id))?.state, 'failed', 'the second, ended 4 s later, still there')
  clock.ms += 4000
  await store.create({ latencyMs: 1 })
  t.same(await store.counts(), { pending: 1, done: 0, failed: 0, cancelled: 0 }, 'the second gone, creating')
})

t.test('creating drops the expired tasks from memory, when nothing reads or counts them', async (t) => {
  // The garbage collector, to see whether the store still holds a record: a full collection frees it if nothing does.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const { store, works, clock } = controlled({ ttlMs: 10_000 })
  await store.create({ latencyMs: 1 })
  const record = new WeakRef(works[0]?.task as Task)
  works[0]?.resolve()
  works.length = 0
  await settle()
  clock.ms += 10_000
  await store.create({ latencyMs: 1 })
  await settle()
  gc()
  t.equal(record.deref(), undefined)
})

t.test('with a TTL of 0, ended tasks are kept for as long as the store lives', async (t) => {
  const { store, works, clock } = controlled({ ttlMs: 0 })
  const { id } = await store.create({ latencyMs: 1 }) as Task
  works[0]?.resolve()
  await settle()
  clock.ms += 365 * 24 * 3600 * 1000
  t.equal((await store.get(id))?.state, 'done')
  t.same(await store.counts(), { pending: 0, done: 1, failed: 0, cancelled: 0 })
})

t.test(
  'interrupt ends every pending task as cancelled at once and cancels its work; ended tasks keep their state',
  async (t) => {
    const { store, works, clock } = controlled()
    const done = await store.create({ latencyMs: 1 }) as Task
    works[0]?.resolve()
    await settle()
    const pending = [await store.create({ latencyMs: 1 }) as Task, await store.create({ latencyMs: 1 }) as Task]
    clock.ms += 500
    const reason = new Error('The service is shutting down')
    t.equal(await store.interrupt(reason), 2, 'says how many')
    const cancelled = (id: string): Task => ({
      id,
      state: 'cancelled',
      latencyMs: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:00:00.500Z'
    })
    for (const { id } of pending) t.same(await store.get(id), cancelled(id), 'ended now, with no error')
    t.equal(works[1]?.cancellation.reason, reason, 'its work cancelled with the reason')
    t.equal(works[2]?.cancellation.reason, reason)
    t.equal((await store.get(done.id))?.state, 'done')
    // A cancelled work stops by rejecting (with the reason, as the dependency does), or may end all the same.
    clock.ms += 500
    works[1]?.reject(reason)
    works[2]?.resolve()
    await settle()
    for (const { id } of pending) {
      t.same(await store.get(id), cancelled(id), 'as it was cancelled, whatever its work did next')
    }
    t.same(await store.counts(), { pending: 0, done: 1, failed: 0, cancelled: 2 })
    t.equal(await store.interrupt(reason), 0, 'none left')
  }
)

t.test('drain resolves at once with nothing pending, else once the last pending task ends', async (t) => {
  const { store, works } = controlled()
  await t.resolves(store.drain(), 'nothing pending')
  await store.create({ latencyMs: 1 })
  await store.create({ latencyMs: 1 })
  let drained = false
  const waiting = store.drain().then(() => { drained = true })
  const alsoWaiting = store.drain()
  works[0]?.resolve()
  await settle()
  t.equal(drained, false, 'one still pending')
  works[1]?.reject(new Error('failed'))
  await waiting
  await alsoWaiting
  t.pass('every waiter released when the last one ended')
})

t.test('drain resolves when interrupt ends the last pending tasks, whatever their work does', async (t) => {
  const { store } = controlled()
  await store.create({ latencyMs: 1 })
  const drained = store.drain()
  await store.interrupt(new Error('stopping'))
  await t.resolves(drained)
})

t.test('closing holds nothing up, and the tasks stay readable', async (t) => {
  const { store, works } = controlled()
  const { id } = await store.create({ latencyMs: 1 }) as Task
  works[0]?.resolve()
  await store.drain()
  await t.resolves(store.close())
  t.equal((await store.get(id))?.state, 'done')
})
