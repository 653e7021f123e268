// Idempotency-Key on POST /tasks over real sockets, in one process and across two replicas sharing Redis: a repeat
// gets the first answer again, another body is 422, two at once make one task, a key expires, a 5xx is not kept, and
// the header may be required; the OpenAPI document says all of it.
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build } from '../../helpers/app.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.setTimeout(120_000)

interface Answer {
  status: number
  replayed: string | null
  location: string | null
  retryAfter: string | null
  body: Record<string, unknown>
}

/** The app listening on a port of its own, with `env`; its base URL. */
async function listening (t: Test, env: Record<string, string> = {}): Promise<{ app: FastifyInstance, url: string }> {
  const app = await build(t, { env })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

/** POST /tasks to `url` with `latencyMs`, and with `key` as Idempotency-Key when given. */
async function post (url: string, latencyMs: number, key?: string): Promise<Answer> {
  const response = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify({ latencyMs })
  })
  return await answerOf(response)
}

/** What a test reads of an answer. */
async function answerOf (response: Response): Promise<Answer> {
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    location: response.headers.get('location'),
    retryAfter: response.headers.get('retry-after'),
    body: await response.json() as Record<string, unknown>
  }
}

t.test('a repeat with the same key and body gets the first answer again, saying so; no second task', async (t) => {
  const { url } = await listening(t)
  const first = await post(url, 0, '"order-1"')
  t.match(first, { status: 202, replayed: null, location: `/tasks/${first.body.id as string}` })
  const repeat = await post(url, 0, '"order-1"')
  t.same(repeat, { ...first, replayed: 'true' }, 'the same status, Location and body')
  t.not((await post(url, 0, '"order-2"')).body.id, first.body.id, 'another key, another task')
  t.not((await post(url, 0)).body.id, first.body.id, 'no key, a new task each time')
})

t.test('the same key with another body is 422, and the first answer stays', async (t) => {
  const { url } = await listening(t)
  const first = await post(url, 0, '"order-1"')
  t.same((await post(url, 5, '"order-1"')).body, {
    statusCode: 422,
    error: 'Unprocessable Entity',
    message: 'This Idempotency-Key was sent with another request body: a new request needs a new key'
  })
  t.same((await post(url, 0, '"order-1"')).body, first.body)
})

t.test('many at once with one key make one task: each gets its answer, or 409 with Retry-After', async (t) => {
  const { url } = await listening(t)
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await post(url, 0, '"at-once"')))
  const ids = new Set(answers.filter(({ status }) => status === 202).map(({ body }) => body.id))
  t.equal(ids.size, 1, 'one task')
  t.same(answers.filter(({ status }) => status !== 202).map(({ body, retryAfter }) => [body.message, retryAfter]),
    answers.filter(({ status }) => status === 409).map(() =>
      ['A request with this Idempotency-Key is still being handled; retry after Retry-After', '1']),
    'the others 409 with Retry-After: 1')
})

t.test('a repeat while the first is still being handled is 409 with Retry-After: 1; once it is answered, a replay',
  async (t) => {
    let release: () => void = () => {}
    let handling = false
    const app = await build(t, {
      extend: (fastify) => {
        fastify.post('/slow', { config: { idempotent: true } }, async () => {
          handling = true
          await new Promise<void>((resolve) => { release = resolve })
          return { done: true }
        })
      }
    })
    const send = async (): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/slow', headers: { 'idempotency-key': '"held"' } })
    const first = send()
    await until(() => handling)
    const repeat = await send()
    t.same({ status: repeat.statusCode, retryAfter: repeat.headers['retry-after'], message: repeat.json().message },
      {
        status: 409,
        retryAfter: '1',
        message: 'A request with this Idempotency-Key is still being handled; retry after Retry-After'
      })
    release()
    t.same((await first).json(), { done: true })
    const later = await send()
    t.same({ replayed: later.headers['idempotent-replayed'], body: later.json() },
      { replayed: 'true', body: { done: true } })
  })

t.test('a key is forgotten IDEMPOTENCY_TTL_MS after its answer', async (t) => {
  const { url } = await listening(t, { IDEMPOTENCY_TTL_MS: '1000' })
  const first = await post(url, 0, '"short-lived"')
  await sleep(1100)
  const later = await post(url, 0, '"short-lived"')
  t.equal(later.status, 202)
  t.equal(later.replayed, null)
  t.not(later.body.id, first.body.id, 'a new task')
})

t.test('a 5xx is not kept: the repeat is carried out', async (t) => {
  const { url } = await listening(t, { TASKS_MAX_PENDING: '1' })
  const occupying = await post(url, 300)
  const refused = await post(url, 0, '"busy"')
  t.equal(refused.status, 503, 'refused while the pending task fills the queue')
  const state = async (): Promise<unknown> =>
    ((await (await fetch(`${url}${occupying.location as string}`)).json()) as { state: string }).state
  while (await state() === 'pending') await sleep(20)
  const repeat = await post(url, 0, '"busy"')
  t.match(repeat, { status: 202, replayed: null }, 'carried out now')
})

t.test('a malformed key is 400; with IDEMPOTENCY_REQUIRED=true, none is 400 too', async (t) => {
  const { url } = await listening(t, { IDEMPOTENCY_REQUIRED: 'true' })
  t.match((await post(url, 0, '"unterminated')).body, { statusCode: 400, message: /^Idempotency-Key must be/ })
  t.same((await post(url, 0)).body,
    { statusCode: 400, error: 'Bad Request', message: 'POST /tasks requires an Idempotency-Key header' })
  t.equal((await post(url, 0, '"fine"')).status, 202)
})

t.test('across two replicas sharing Redis: one key, one task, whichever replica is asked', async (t) => {
  const redis = await redisServer(t)
  const env = { REDIS_URL: redis.url }
  const [a, b] = await Promise.all([listening(t, env), listening(t, env)])
  for (const { app } of [a, b]) await until(() => app.redis?.up === true, 20_000)
  const answers = await Promise.all(Array.from({ length: 20 }, async (_, index) =>
    await post(index % 2 === 0 ? a.url : b.url, 0, '"shared"')))
  t.equal(new Set(answers.filter(({ status }) => status === 202).map(({ body }) => body.id)).size, 1, 'one task')
  t.ok(answers.every(({ status }) => status === 202 || status === 409), 'the others 409')
  const first = answers.find(({ status, replayed }) => status === 202 && replayed === null)
  t.ok(first !== undefined, 'one of them was the first')
  t.same(await post(b.url, 0, '"shared"'), { ...first, replayed: 'true' }, 'the other replica replays it')
  t.equal((await post(a.url, 9, '"shared"')).status, 422)
})

t.test('the OpenAPI document names the header and the answers', async (t) => {
  const app = await build(t)
  const document = app.swagger() as unknown as {
    paths: Record<string, Record<string, { parameters: Array<{ name: string, in: string }>, responses: object }>>
  }
  const operation = document.paths['/tasks']?.post
  t.match(operation?.parameters, [{ name: 'idempotency-key', in: 'header' }])
  t.ok('409' in (operation?.responses ?? {}) && '422' in (operation?.responses ?? {}), '409 and 422')
})

for (const [status, then] of [[200, 'the repeat gets its answer again'], [503, 'the repeat is carried out']] as const) {
  t.test(`an answer (${status}) that cannot be kept, Redis gone meanwhile, is still sent, and kept once Redis is ` +
    `back: ${then}, not a 409 for a request no longer handled`, async (t) => {
    const redis = await redisServer(t, { appendOnly: true })
    let release: () => void = () => {}
    let calls = 0
    const logLines: string[] = []
    const app = await build(t, {
      env: { REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
      logLines,
      extend: (fastify) => {
        fastify.post('/slow', { config: { idempotent: true } }, async (request, reply) => {
          calls++
          if (calls === 1) await new Promise<void>((resolve) => { release = resolve })
          return await reply.code(calls === 1 ? status : 200).send({ call: calls })
        })
      }
    })
    await until(() => app.redis?.up === true, 20_000)
    const client = app.redis?.client
    // No body: its fingerprint is that of none.
    const send = async (): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/slow', headers: { 'idempotency-key': '"k"' } })
    const first = send()
    while (await client?.exists('async-service:idempotency:POST /slow k') !== 1) await sleep(10)
    await redis.stop()
    await until(() => app.redis?.up === false, 20_000)
    release()
    t.same((await first).json(), { call: 1 }, 'the request is answered all the same')
    t.ok(logLines.some((line) => JSON.parse(line).msg.startsWith('the answer to a request with an Idempotency-Key ' +
      'was not kept yet')), 'and the delay logged')

    // Started again from its append-only file, the key begun: a repeat would be 409 until the key expired.
    await redis.start()
    await until(() => app.redis?.up === true, 20_000)
    // On the connection that wrote what was owed as it came back, so after it.
    const repeat = await send()
    t.same({ status: repeat.statusCode, body: repeat.json() }, status === 200
      ? { status: 200, body: { call: 1 } }
      : { status: 200, body: { call: 2 } }, then)
  })
}

t.test('without a key, the request id a trusted proxy sends is the key: its retry on another replica makes no task',
  async (t) => {
    const redis = await redisServer(t)
    const env = { REDIS_URL: redis.url, TRUST_PROXY: '127.0.0.1' }
    const [a, b] = await Promise.all([listening(t, env), listening(t, env)])
    for (const { app } of [a, b]) await until(() => app.redis?.up === true, 20_000)
    const viaProxy = async (url: string, requestId: string): Promise<Answer> => {
      const response = await fetch(`${url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', 'x-request-id': requestId },
        body: '{"latencyMs":0}'
      })
      return await answerOf(response)
    }
    const first = await viaProxy(a.url, 'f2b3c0de9a8b7c6d5e4f3a2b1c0d9e8f')
    t.same(await viaProxy(b.url, 'f2b3c0de9a8b7c6d5e4f3a2b1c0d9e8f'), { ...first, replayed: 'true' },
      'the same request sent again: its first answer')
    t.not((await viaProxy(b.url, '0123456789abcdef0123456789abcdef')).body.id, first.body.id, 'another request')
  })

t.test('a request id from a client no proxy vouches for is no key: each request makes its task', async (t) => {
  const { url } = await listening(t)
  const send = async (): Promise<unknown> => (await (await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'same-id' },
    body: '{"latencyMs":0}'
  })).json() as { id: string }).id
  t.not(await send(), await send())
})
