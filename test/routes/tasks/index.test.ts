// POST /tasks and GET /tasks/:id: a task accepted at once and polled to its end, failed tasks, every body refused, the
// limit on pending tasks, expiry, the gauge in /metrics, and tasks at the app's close.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { pollTask, postTask } from '../../helpers/tasks.ts'

// Several seconds of real waits on a quiet machine: room for a busy one (tap's default is 30 s for the file).
t.setTimeout(120_000)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('POST /tasks answers 202 at once with the id and state, and Location to poll', async (t) => {
  const fastify = await build(t, { env: { SHUTDOWN_TIMEOUT_MS: '400' } })
  const started = performance.now()
  const response = await postTask(fastify, { latencyMs: 10_000 })
  t.ok(performance.now() - started < 5000, 'without waiting the 10 s of the task')
  t.equal(response.statusCode, 202)
  t.match(response.headers['content-type'], /^application\/json/)
  const { id, state } = response.json()
  t.same(response.json(), { id, state: 'pending' })
  t.match(id, UUID)
  t.equal(state, 'pending')
  t.equal(response.headers.location, `/tasks/${id}`)
  const polled = await fastify.inject(response.headers.location as string)
  t.equal(polled.statusCode, 200)
  t.match(polled.headers['content-type'], /^application\/json/)
  t.same(polled.json(), {
    id, state: 'pending', latencyMs: 10_000, createdAt: polled.json().createdAt, startedAt: polled.json().startedAt
  })
})

t.test('a task polled until it ends is done, with its times in order and its latency between them', async (t) => {
  const fastify = await build(t)
  const response = await postTask(fastify, { latencyMs: 300 })
  const task = await pollTask(fastify, response.headers.location as string)
  t.match(task, { id: response.json().id, state: 'done', latencyMs: 300, createdAt: ISO, startedAt: ISO, endedAt: ISO })
  t.notOk('error' in task)
  const [created, started, ended] = [task.createdAt, task.startedAt, task.endedAt]
    .map((time) => Date.parse(time as string)) as [number, number, number]
  t.ok(created <= started && started <= ended, 'created, started, ended, in that order')
  t.ok(ended - started >= 295, `ended at least its latency after it started (${ended - started} ms)`)
})

t.test('a task whose call fails is failed, with the error; logged; and the service goes on', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { DEPENDENCY_FAILURE_RATE: '1', LOG_LEVEL: 'warn' }, logLines })
  const response = await postTask(fastify, { latencyMs: 0 })
  t.equal(response.statusCode, 202)
  const { id } = response.json()
  t.match(await pollTask(fastify, `/tasks/${id}`),
    { id, state: 'failed', error: 'The dependency failed: the dependency failed', endedAt: ISO })
  t.match(logLines.map((line) => JSON.parse(line)), [{
    level: 40, msg: 'background task failed', taskId: id, reason: 'The dependency failed: the dependency failed'
  }])
  t.equal(logLines.length, 1, 'once')
  t.equal((await fastify.inject('/sync')).statusCode, 200, 'still serving')
  t.equal((await postTask(fastify, { latencyMs: 0 })).statusCode, 202, 'still accepting tasks')
})

t.test('GET /tasks/:id of an unknown id is 404 JSON naming it; an id that is not a UUID, 400', async (t) => {
  const fastify = await build(t)
  const unknown = await fastify.inject('/tasks/00000000-0000-4000-8000-000000000000')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /^application\/json/)
  t.same(unknown.json(),
    { statusCode: 404, error: 'Not Found', message: 'Task 00000000-0000-4000-8000-000000000000 not found' })
  const malformed = await fastify.inject('/tasks/42')
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), {
    statusCode: 400, error: 'Bad Request', code: 'FST_ERR_VALIDATION', message: 'params/id must match format "uuid"'
  })
})

t.test(
  'a body that is not { "latencyMs": n }, n an integer from 0 to TASKS_MAX_LATENCY_MS, ' +
    'is refused with 400 naming the field',
  async (t) => {
    const fastify = await build(t, { env: { TASKS_MAX_LATENCY_MS: '1000' } })
    const latency = {
      statusCode: 400,
      error: 'Bad Request',
      code: 'FST_ERR_VALIDATION',
      message: 'body/latencyMs must be an integer number of ms from 0 to 1000'
    }
    for (const body of [
      {}, { latencyMs: -1 }, { latencyMs: 1001 }, { latencyMs: '5' }, { latencyMs: 1.5 }, { latencyMs: null },
      [], [{ latencyMs: 5 }], 5, 'five', null
    ]) {
      const response = await postTask(fastify, body)
      t.equal(response.statusCode, 400, JSON.stringify(body))
      t.match(response.headers['content-type'], /^application\/json/)
      t.same(response.json(), latency)
    }
    for (const [body, field] of [
      [{ latencyMs: 5, priority: 'high' }, 'priority'],
      [{ priority: 'high', latencyMs: 5 }, 'priority'],
      [{ latencyMs: -1, priority: 'high' }, 'priority'],
      [{ latency: 5 }, 'latency']
    ] as const) {
      const response = await postTask(fastify, body)
      t.equal(response.statusCode, 400, JSON.stringify(body))
      t.same(response.json(), { ...latency, message: `body/${field} is not allowed: the body has latencyMs only` })
    }
    // A body that is not JSON, or not sent as JSON: test/plugins/app/json-bodies.test.ts.
    for (const latencyMs of [0, 1000]) {
      t.equal((await postTask(fastify, { latencyMs })).statusCode, 202, `${latencyMs} is accepted`)
    }
  }
)

t.test('with TASKS_MAX_PENDING tasks pending, POST /tasks is 503 JSON with Retry-After', async (t) => {
  const fastify = await build(t, { env: { TASKS_MAX_PENDING: '2', SHUTDOWN_TIMEOUT_MS: '400' } })
  t.equal((await postTask(fastify, { latencyMs: 60_000 })).statusCode, 202)
  t.equal((await postTask(fastify, { latencyMs: 60_000 })).statusCode, 202)
  const refused = await postTask(fastify, { latencyMs: 0 })
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '1')
  t.same(refused.json(), { statusCode: 503, error: 'Service Unavailable', message: '2 tasks are pending already' })
})

t.test('an ended task is 404 once TASKS_TTL_MS has passed since its end', async (t) => {
  const fastify = await build(t, { env: { TASKS_TTL_MS: '2000' } })
  const location = (await postTask(fastify, { latencyMs: 0 })).headers.location as string
  const task = await pollTask(fastify, location)
  t.equal(task.state, 'done')
  await new Promise((resolve) => setTimeout(resolve, Date.parse(task.endedAt as string) + 2100 - Date.now()))
  const expired = await fastify.inject(location)
  t.equal(expired.statusCode, 404)
  t.same(expired.json(),
    { statusCode: 404, error: 'Not Found', message: `Task ${location.slice('/tasks/'.length)} not found` })
})

t.test('GET /metrics shows background_tasks by state', async (t) => {
  const fastify = await build(t, { env: { DEPENDENCY_FAILURE_RATE: '1', SHUTDOWN_TIMEOUT_MS: '400' } })
  await postTask(fastify, { latencyMs: 60_000 })
  await pollTask(fastify, (await postTask(fastify, { latencyMs: 0 })).headers.location as string)
  const metrics = (await fastify.inject('/metrics')).body
  t.match(metrics, '\n# TYPE background_tasks gauge\n')
  t.match(metrics,
    '\nbackground_tasks{state="pending"} 1' +
    '\nbackground_tasks{state="done"} 0' +
    '\nbackground_tasks{state="failed"} 1' +
    '\nbackground_tasks{state="cancelled"} 0\n')
})

t.test('a task accepted just before the app closes ends done during the close', async (t) => {
  const fastify = await build(t)
  const { id } = (await postTask(fastify, { latencyMs: 300 })).json()
  await fastify.close()
  t.match(await fastify.tasks.get(id), { state: 'done' })
})

t.test("a long task still pending at the shutdown's cut-off is cancelled, and the stop ends in time", async (t) => {
  const fastify = await build(t, { env: { SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400' } })
  const { id } = (await postTask(fastify, { latencyMs: 30_000 })).json()
  const started = performance.now()
  await fastify.shutdown.stop()
  t.ok(performance.now() - started < 10_000, 'did not wait the 30 s of the task')
  t.match(await fastify.tasks.get(id), { state: 'cancelled', endedAt: ISO })
})
