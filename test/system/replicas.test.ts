// Replicas behind nginx, as production runs them: Redis, two replicas of the built service sharing it, and nginx in
// front with the project's configuration. /metrics and /docs stay inside; requests reach both; an event stream and a
// WebSocket pass through; what one replica is told, the other knows; a rolling restart under steady load loses no
// request. One set-up for the file; the restart goes last.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Pool } from 'undici'
import { openEventStream } from '../helpers/event-stream-client.ts'
import { replicaSet, type Replica } from '../helpers/replicas.ts'
import { until } from '../helpers/upstream.ts'
import { ChatClient, joinedFrame } from '../helpers/ws-client.ts'

// A build, Redis, nginx, two replicas started three times, and 20 s of load: room for a busy machine.
t.setTimeout(10 * 60_000)

const set = await replicaSet(t, {
  env: {
    // Long enough for requests to be in flight whenever a replica stops.
    ROOT_DELAY_MS: '250',
    // nginx has no health checks: it leaves a stopping replica once that refuses connections, at the end of this delay,
    // and sends the other one what was refused, and any GET cut short as the replica stopped accepting. Meanwhile the
    // replica serves, every answer closing its connection, so that nginx holds none open when it stops.
    SHUTDOWN_DELAY_MS: '2000',
    // As compose: nginx is trusted, so the request id it sends keys a POST it retries on the other replica.
    TRUST_PROXY: 'loopback'
  }
})
const [a, b] = set.replicas as [Replica, Replica]

/** `promise`, or a failure naming `what` once `ms` have passed. */
async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no ${what} within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

t.test('/metrics and /docs are 404 through nginx, and served on each replica directly', async (t) => {
  for (const path of ['/metrics', '/docs/json']) {
    const through = await fetch(`${set.url}${path}`)
    t.equal(through.status, 404, `${path} through nginx`)
    t.match(await through.json(), { statusCode: 404, error: 'Not Found' })
    for (const replica of set.replicas) {
      const direct = await fetch(`${replica.url}${path}`)
      t.equal(direct.status, 200, `${path} on replica ${replica.name}`)
      await direct.body?.cancel()
    }
  }
})

t.test('requests through nginx reach both replicas, under the id nginx logs', async (t) => {
  const pool = new Pool(set.url, { connections: 4 })
  t.teardown(() => pool.close())
  const answers = await Promise.all(Array.from({ length: 40 }, async () => {
    const { statusCode, headers, body } = await pool.request({ path: '/sync', method: 'GET' })
    return { statusCode, text: await body.text(), id: headers['x-request-id'] as string }
  }))
  t.same(new Set(answers.map(({ statusCode, text }) => `${statusCode} ${text}`)),
    new Set(['200 This is a normal sync route.']), '40 requests answered')
  const ids = answers.map(({ id }) => id)
  const servedIds = (): Set<unknown> =>
    new Set(set.replicas.flatMap((replica) => replica.served().map(({ reqId }) => reqId)))
  // Each replica writes its access line as the answer goes; this process reads it a moment later.
  await until(() => ids.every((id) => servedIds().has(id)), 10_000)
  t.ok(ids.every((id) => /^[0-9a-f]{32}$/.test(id)), "each answer's x-request-id is nginx's (32 hex digits), and a replica logged it")
  for (const replica of set.replicas) {
    const served = replica.served().filter(({ url }) => url === '/sync')
    t.ok(served.length > 0, `replica ${replica.name} answered ${served.length} of the 40`)
  }
  await until(() => set.nginx.accessLog().filter(({ uri }) => uri === '/sync').length === 40, 10_000)
  t.same(new Set(set.nginx.accessLog().filter(({ uri }) => uri === '/sync').map(({ request_id: id }) => id)),
    new Set(ids), 'and nginx logs the same ids')
})

t.test('an event stream through nginx arrives as the replica writes it, not when it ends', async (t) => {
  // The head, the retry line and the first update (the feed's first call starts at once) are written within a few
  // hundred ms; a buffering proxy would hold them until it had some kilobytes: at an update a second, half a minute.
  const stream = await within(openEventStream(set.nginx.port), 10_000, 'response head')
  t.teardown(() => { stream.close() })
  let ended = false
  void stream.ended.then(() => { ended = true })
  t.equal(stream.response.statusCode, 200)
  t.equal(stream.response.headers['content-type'], 'text/event-stream')
  t.same(await within(stream.next(), 10_000, 'retry line'), { retry: '2000' }, 'the retry line first')
  const update = await within(stream.nextEvent('update'), 10_000, 'update')
  t.match(JSON.parse(update.data ?? ''), { seq: Number, ok: true }, 'then an update')
  t.notOk(ended, 'while the stream is still open')
})

t.test('a WebSocket through nginx joins the chat', async (t) => {
  const client = await ChatClient.connect(`ws://127.0.0.1:${set.nginx.port}/chat?name=behind-nginx`)
  t.teardown(() => client.close())
  t.match(await client.next(), { type: 'history', messages: Array })
  t.match(await client.next(), { type: 'presence', joined: ['behind-nginx'] })
  await client.ping()
  t.pass('and the replica answers its ping through nginx')
})

t.test(
  'an event stream that comes back on the other replica with Last-Event-ID gets the updates it missed',
  async (t) => {
    // A listener on b keeps the feed going while the client is away.
    const listener = await openEventStream(b.port)
    t.teardown(() => { listener.close() })
    const onA = await openEventStream(a.port)
    const lastSeen = Number((await within(onA.nextEvent('update'), 10_000, 'update on a')).id)
    onA.close()
    let newest = 0
    while (newest < lastSeen + 2) {
      newest = Number((await within(listener.nextEvent('update'), 10_000, 'update on b')).id)
    }
    const back = await openEventStream(b.port, { 'last-event-id': String(lastSeen) })
    t.teardown(() => { back.close() })
    const seqs: number[] = []
    while (seqs.length < newest - lastSeen) {
      const update = await within(back.nextEvent('update'), 10_000, 'replayed update')
      seqs.push(JSON.parse(update.data ?? '').seq)
    }
    t.same(seqs, Array.from({ length: newest - lastSeen }, (_, index) => lastSeen + 1 + index),
      `updates ${lastSeen + 1} to ${newest}, seen on a, replayed on b in order`)
  }
)

t.test('a task accepted by one replica is done, and readable from the other', async (t) => {
  const accepted = await fetch(`${a.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs: 200 })
  })
  t.equal(accepted.status, 202)
  const location = accepted.headers.get('location') ?? ''
  t.match(location, /^\/tasks\/[0-9a-f-]{36}$/)
  const readOnB = async (): Promise<Record<string, unknown>> =>
    await (await fetch(`${b.url}${location}`)).json() as Record<string, unknown>
  let task = await readOnB()
  t.match(task, { state: /^(pending|done)$/ }, 'b knows it at once')
  const deadline = performance.now() + 20_000
  while (task.state === 'pending' && performance.now() < deadline) {
    await sleep(100)
    task = await readOnB()
  }
  t.match(task, { state: 'done', latencyMs: 200, createdAt: String, startedAt: String, endedAt: String },
    'and then done, read from b')
})

t.test('a chat message sent through one replica reaches a client of the other', async (t) => {
  const onA = await ChatClient.connect(`ws://127.0.0.1:${a.port}/chat?name=ann`)
  t.teardown(() => onA.close())
  t.match(await onA.next(), { type: 'history' })
  t.match(await onA.next(), { type: 'presence', joined: ['ann'] })
  const onB = await ChatClient.connect(`ws://127.0.0.1:${b.port}/chat?name=bob`)
  t.teardown(() => onB.close())
  t.match(await onB.next(), { type: 'history' })
  t.match(await onB.next(), joinedFrame('bob', 2), 'bob sees both replicas\' sockets online')
  t.match(await onA.next(), joinedFrame('bob', 2), 'ann, on the other replica, sees bob join')
  onB.send({ type: 'message', text: 'hello from b' })
  t.match(await onA.next(), { type: 'message', from: 'bob', text: 'hello from b' }, 'sent on b, read on a')
  t.match(await onB.next(), { type: 'message', from: 'bob', text: 'hello from b' },
    'and by its sender, in the same order')
})

/** Requests answered 2xx, by what they asked. */
interface Answered { '/': number, '/sync': number, 'POST /tasks': number }

/** What the load sent, a turn after another: GET /, GET /sync, and POST /tasks with and without Idempotency-Key. */
const TURNS = ['/', '/sync', 'POST /tasks', '/', '/sync', 'POST /tasks with a key'] as const

interface LoadResult {
  answered: Answered
  failures: string[]
  slowestMs: number
  /** The tasks the POSTs were answered 202 with, by id. */
  tasks: Set<string>
}

/**
 * GET /, GET /sync and POST /tasks (every other one with its own Idempotency-Key) in turn on each of `connections`
 * connections to `origin`, until stopped: what was answered, and how.
 */
function steadyLoad (
  origin: string,
  connections: number
): { answered: () => number, stop: () => Promise<LoadResult> } {
  const pool = new Pool(origin, { connections })
  const answered: Answered = { '/': 0, '/sync': 0, 'POST /tasks': 0 }
  const failures: string[] = []
  const tasks = new Set<string>()
  let slowestMs = 0
  let running = true
  const client = async (first: number): Promise<void> => {
    // `running` turns false when stop() is called, between this loop's awaits.
    for (let turn = first; ; turn++) {
      if (!running) break
      const asked = TURNS[turn % TURNS.length] as typeof TURNS[number]
      const what: keyof Answered = asked.startsWith('POST') ? 'POST /tasks' : asked as '/' | '/sync'
      const started = performance.now()
      try {
        const { statusCode, body } = await pool.request(what === 'POST /tasks'
          ? {
              path: '/tasks',
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                ...(asked === 'POST /tasks with a key' ? { 'idempotency-key': `"client${first}-${turn}"` } : {})
              },
              body: '{"latencyMs":0}'
            }
          : { path: what, method: 'GET' })
        const text = await body.text()
        if (statusCode >= 200 && statusCode < 300) answered[what]++
        else failures.push(`${asked}: ${statusCode}`)
        if (statusCode === 202) tasks.add((JSON.parse(text) as { id: string }).id)
      } catch (error) {
        failures.push(`${asked}: ${(error as Error).message}`)
      }
      slowestMs = Math.max(slowestMs, performance.now() - started)
      // A pause after the instant ones: steady load, short of what saturates a busy 2-core machine.
      if (what !== '/') await sleep(20)
    }
  }
  const clients = Array.from({ length: connections }, async (_, index) => { await client(index) })
  return {
    answered: () => answered['/'] + answered['/sync'],
    async stop () {
      running = false
      await Promise.all(clients)
      await pool.close()
      return { answered, failures, slowestMs: Math.round(slowestMs), tasks }
    }
  }
}

/** The tasks Redis holds, every replica's, by /metrics' background_tasks of the replica at `url`. */
async function tasksHeld (url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return [...text.matchAll(/^background_tasks\{state="\w+"\} (\d+)$/gm)].reduce((sum, [, count]) => sum + Number(count), 0)
}

t.test('a rolling restart under steady load through nginx (50 connections, 20 s) loses no request, POSTs included, ' +
  'and makes no task twice', async (t) => {
  const heldBefore = await tasksHeld(a.url)
  const started = performance.now()
  const load = steadyLoad(set.url, 50)
  await sleep(2000)
  for (const replica of [a, b]) {
    const signalled = performance.now()
    t.equal(await replica.stop(), 0, `replica ${replica.name}: SIGTERM, a graceful stop`)
    const stoppedMs = Math.round(performance.now() - signalled)
    const answeredBefore = load.answered()
    const restarting = performance.now()
    await replica.start()
    const readyMs = Math.round(performance.now() - restarting)
    t.ok(load.answered() > answeredBefore, `requests answered while ${replica.name} was down`)
    // nginx tries a replica that failed again after the upstream's fail_timeout, with a live request.
    const backMs = Math.round(await until(() =>
      replica.process.stdout.some((line) => line.includes('"request completed"')), 30_000))
    t.comment(`replica ${replica.name}: exited ${stoppedMs} ms after SIGTERM, ready ${readyMs} ms after its start, ` +
      `served through nginx ${backMs} ms later`)
  }
  await sleep(Math.max(0, 20_000 - (performance.now() - started)))
  const { answered, failures, slowestMs, tasks } = await load.stop()
  const seconds = Math.round((performance.now() - started) / 100) / 10

  const total = answered['/'] + answered['/sync'] + answered['POST /tasks']
  t.same(failures, [], `no request failed: ${total} answered 2xx in ${seconds} s ` +
    `(GET / ${answered['/']}, GET /sync ${answered['/sync']}, POST /tasks ${answered['POST /tasks']}), ` +
    `the slowest in ${slowestMs} ms`)
  t.equal(tasks.size, answered['POST /tasks'], 'each POST answered with a task of its own')
  t.equal(await tasksHeld(a.url) - heldBefore, tasks.size, 'and no other task made: none twice')
  const states: Record<string, number> = {}
  for (const id of tasks) {
    let state = 'pending'
    for (const deadline = performance.now() + 30_000; state === 'pending' && performance.now() < deadline;) {
      state = ((await (await fetch(`${set.url}/tasks/${id}`)).json()) as { state: string }).state
      if (state === 'pending') await sleep(50)
    }
    states[state] = (states[state] ?? 0) + 1
  }
  t.same(states, { done: tasks.size }, 'every accepted task done')
  const retried = set.nginx.accessLog().filter(({ upstream }) => upstream.includes(','))
  const statuses = [...new Set(retried.map(({ upstream_status: status }) => status))].join('; ')
  t.comment(`${retried.length} requests moved by nginx to the other replica (${statuses})`)
  t.ok(total > 1000, `a steady load: ${total} requests`)
})
