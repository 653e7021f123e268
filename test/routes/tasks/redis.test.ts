// POST /tasks and GET /tasks/:id with REDIS_URL, two instances of the app on one real Redis as two replicas: a task
// accepted by one is run and read by either, failed tasks, expiry, the limit on pending tasks across replicas, a task
// finished by another replica when its own stops or is killed, 503 while Redis is away, and the gauge in /metrics.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { pollTask, postTask } from '../../helpers/tasks.ts'
import { redisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { listening, startServer } from '../../helpers/server-process.ts'
import { until } from '../../helpers/upstream.ts'

// Tasks move between replicas, Redis comes and goes, and a killed replica's task waits for its hold to expire.
t.setTimeout(180_000)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The app as a replica on `redis`, ready to serve (Redis reached); its close hands back what it runs soon after. */
async function replica (
  t: Parameters<typeof build>[0],
  redis: RedisServer,
  env: Record<string, string> = {},
  logLines?: string[]
): Promise<FastifyInstance> {
  const fastify = await build(t, {
    env: { REDIS_URL: redis.url, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400', ...env },
    ...(logLines === undefined ? {} : { logLines })
  })
  await until(() => fastify.redis?.up === true, 20_000)
  return fastify
}

/** Resolves once the task `read` reads has started; `withinMs` is only there so that a broken test ends. */
async function started (read: () => Promise<Record<string, unknown>>, withinMs = 20_000): Promise<void> {
  const until = performance.now() + withinMs
  while ((await read()).startedAt === undefined && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The value of one sample in Prometheus text, by its name and labels as written. */
function sample (metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((line) => line.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('a task accepted by one replica (202 and Location) is done, and read the same from the other', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const b = await replica(t, redis)
  const response = await postTask(a, { latencyMs: 300 })
  t.equal(response.statusCode, 202)
  const { id } = response.json()
  t.same(response.json(), { id, state: 'pending' })
  t.match(id, UUID)
  t.equal(response.headers.location, `/tasks/${id}`)
  const task = await pollTask(b, `/tasks/${id}`, 30_000)
  t.match(task, { id, state: 'done', latencyMs: 300, createdAt: ISO, startedAt: ISO, endedAt: ISO })
  t.notOk('error' in task)
  const [created, started, ended] = [task.createdAt, task.startedAt, task.endedAt]
    .map((time) => Date.parse(time as string)) as [number, number, number]
  t.ok(created <= started && started <= ended, 'created, started, ended, in that order')
  t.ok(ended - started >= 295, `ended at least its latency after it started (${ended - started} ms)`)
  t.same((await a.inject(`/tasks/${id}`)).json(), task, 'the same from the replica that accepted it')
})

t.test('a task whose call fails is failed, with the error, as both replicas read it; logged once', async (t) => {
  const redis = await redisServer(t)
  const logLines: string[] = []
  const env = { DEPENDENCY_FAILURE_RATE: '1', LOG_LEVEL: 'warn' }
  const a = await replica(t, redis, env, logLines)
  const b = await replica(t, redis, env, logLines)
  const { id } = (await postTask(a, { latencyMs: 0 })).json()
  const task = await pollTask(b, `/tasks/${id}`, 30_000)
  t.match(task, { id, state: 'failed', error: 'The dependency failed: the dependency failed', endedAt: ISO })
  t.same((await a.inject(`/tasks/${id}`)).json(), task)
  const failed = logLines.map((line) => JSON.parse(line)).filter(({ msg }) => msg === 'background task failed')
  t.match(failed, [{ level: 40, taskId: id, reason: 'The dependency failed: the dependency failed' }],
    'once, by the replica that ran it')
})

t.test('TASKS_TTL_MS after its end, a task is 404 on every replica', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis, { TASKS_TTL_MS: '2000' })
  const b = await replica(t, redis, { TASKS_TTL_MS: '2000' })
  const location = (await postTask(a, { latencyMs: 0 })).headers.location as string
  const task = await pollTask(b, location, 30_000)
  t.equal(task.state, 'done')
  await new Promise((resolve) => setTimeout(resolve, Date.parse(task.endedAt as string) + 2100 - Date.now()))
  for (const fastify of [a, b]) {
    const expired = await fastify.inject(location)
    t.equal(expired.statusCode, 404)
    t.same(expired.json(),
      { statusCode: 404, error: 'Not Found', message: `Task ${location.slice('/tasks/'.length)} not found` })
  }
})

t.test(
  'TASKS_MAX_PENDING bounds the tasks pending across replicas: then 503 JSON with Retry-After from either',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { TASKS_MAX_PENDING: '2' })
    const b = await replica(t, redis, { TASKS_MAX_PENDING: '2' })
    t.equal((await postTask(a, { latencyMs: 60_000 })).statusCode, 202)
    t.equal((await postTask(b, { latencyMs: 60_000 })).statusCode, 202)
    for (const fastify of [a, b]) {
      const refused = await postTask(fastify, { latencyMs: 0 })
      t.equal(refused.statusCode, 503)
      t.equal(refused.headers['retry-after'], '1')
      t.same(refused.json(), { statusCode: 503, error: 'Service Unavailable', message: '2 tasks are pending already' })
    }
  }
)

t.test('a task running on a replica that stops is handed back and finished by the other, not failed', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis)
  const { id } = (await postTask(a, { latencyMs: 2000 })).json()
  await started(async () => (await a.inject(`/tasks/${id}`)).json())
  // Started on the first replica, the only one there was.
  const b = await replica(t, redis)
  const stopped = Date.now()
  await a.shutdown.stop()
  t.ok(Date.now() - stopped < 10_000, 'the stop did not wait the 2 s of the task')
  const task = await pollTask(b, `/tasks/${id}`, 30_000)
  t.match(task, { id, state: 'done', latencyMs: 2000 })
  t.notOk('error' in task)
  t.ok(Date.parse(task.startedAt as string) >= stopped, 'started again, by the other replica')
  t.ok(Date.parse(task.endedAt as string) - Date.parse(task.startedAt as string) >= 1995, 'its call made in full there')
})

t.test(
  'Redis away: POST /tasks and GET /tasks/:id answer 503 JSON with Retry-After saying what is unavailable (in ' +
    'production too), /metrics without the gauge; back, all works again',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis, { NODE_ENV: 'production', LOG_LEVEL: 'silent' })
    const { id } = (await postTask(a, { latencyMs: 0 })).json()
    await pollTask(a, `/tasks/${id}`, 30_000)
    await redis.stop()
    await until(() => a.redis?.up === false)
    const unavailable = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Background tasks are unavailable for now; retry later'
    }
    for (const response of [await postTask(a, { latencyMs: 0 }), await a.inject(`/tasks/${id}`)]) {
      t.equal(response.statusCode, 503)
      t.match(response.headers['content-type'], /^application\/json/)
      t.equal(response.headers['retry-after'], '1')
      t.same(response.json(), unavailable)
    }
    const metrics = await a.inject('/metrics')
    t.equal(metrics.statusCode, 200)
    t.match(metrics.body, '\n# TYPE background_tasks gauge\n')
    t.notMatch(metrics.body, 'background_tasks{', 'no value while Redis is away')
    t.match(metrics.body, /\nhttp_requests_in_flight \d+\n/, 'the rest as usual')
    await redis.start()
    await until(() => a.redis?.up === true, 20_000)
    const accepted = await postTask(a, { latencyMs: 0 })
    t.equal(accepted.statusCode, 202)
    t.match(await pollTask(a, accepted.headers.location as string, 30_000), { state: 'done' })
    t.equal(sample((await a.inject('/metrics')).body, 'background_tasks{state="done"}'), 1, 'counted again')
  }
)

t.test('GET /metrics shows background_tasks from Redis, the same on every replica', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis, { DEPENDENCY_FAILURE_RATE: '1' })
  const b = await replica(t, redis, { DEPENDENCY_FAILURE_RATE: '1' })
  await postTask(a, { latencyMs: 60_000 })
  await pollTask(b, (await postTask(b, { latencyMs: 0 })).headers.location as string, 30_000)
  for (const fastify of [a, b]) {
    t.match((await fastify.inject('/metrics')).body,
      '\nbackground_tasks{state="pending"} 1' +
      '\nbackground_tasks{state="done"} 0' +
      '\nbackground_tasks{state="failed"} 1' +
      '\nbackground_tasks{state="cancelled"} 0\n')
  }
})

t.test(
  'a task running on a replica killed without a stop (SIGKILL) is run by another once its hold expires, ' +
    '10 to 20 s after',
  async (t) => {
    const redis = await redisServer(t)
    const server = startServer(t, { REDIS_URL: redis.url })
    const origin = await listening(server)
    const accepted = await fetch(`${origin}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 1000 })
    })
    t.equal(accepted.status, 202)
    const { id } = await accepted.json() as { id: string }
    await started(async () => await (await fetch(`${origin}/tasks/${id}`)).json() as Record<string, unknown>)
    server.child.kill('SIGKILL')
    const killed = Date.now()
    const b = await replica(t, redis)
    const task = await pollTask(b, `/tasks/${id}`, 60_000)
    t.match(task, { id, state: 'done' })
    t.notOk('error' in task)
    const after = Date.parse(task.startedAt as string) - killed
    t.ok(after >= 4000 && after < 30_000, `started again ${after} ms after the kill`)
  }
)
