// The app's error answers: always JSON, detailed for 4xx, generic for 5xx in production with the detail in the log.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { retryLater } from '../../src/http/errors.ts'
import { build } from '../helpers/app.ts'

function failingRoutes (fastify: FastifyInstance): void {
  fastify.get('/crash', async () => { throw new Error('database password is hunter2') })
  fastify.get('/teapot', async () => { throw fastify.httpErrors.createError(418, 'short and stout') })
  fastify.get('/redirect-error', async () => {
    throw Object.assign(new Error('not an error status'), { statusCode: 302 })
  })
  fastify.get('/nonstandard', async () => {
    throw Object.assign(new Error('a status with no name'), { statusCode: 499 })
  })
  fastify.get('/unavailable', async () => { throw fastify.httpErrors.serviceUnavailable('the database is down') })
  fastify.get('/coded-5xx', async () => {
    throw Object.assign(new Error('pool of 10 exhausted'), { statusCode: 503, code: 'DB_POOL_EXHAUSTED' })
  })
  fastify.get('/retry-later', async () => { throw retryLater('The widget pool is busy') })
  fastify.get('/coded-500', async () => {
    throw Object.assign(new Error('disk full'), { statusCode: 500, code: 'ENOSPC' })
  })
}

t.test('in production a 5xx says only its status; the log has the detail', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, {
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn' }, logLines, extend: failingRoutes
  })
  const crash = await fastify.inject('/crash')
  t.equal(crash.statusCode, 500)
  t.match(crash.headers['content-type'], /^application\/json/)
  t.same(crash.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
  t.notMatch(crash.body, /hunter2|at /, 'no detail, no stack')
  t.same((await fastify.inject('/unavailable')).json(),
    { statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' })
  const logged = logLines.map((line) => JSON.parse(line))
  t.match(logged, [
    { level: 50, msg: 'request failed', err: { message: 'database password is hunter2', stack: /at / } },
    { level: 40, msg: 'request refused', statusCode: 503, reason: 'the database is down' }
  ], 'a 500 as an error with its stack, another 5xx as a warning with its reason')
  t.notOk('err' in logged[1], 'no stack for a 5xx chosen on purpose')
  t.equal(logged.length, 2, 'each 5xx logged once')
})

t.test('in production a 503 to retry later keeps its message, made for the client', async (t) => {
  const fastify = await build(t, { env: { NODE_ENV: 'production', LOG_LEVEL: 'silent' }, extend: failingRoutes })
  const response = await fastify.inject('/retry-later')
  t.equal(response.headers['retry-after'], '1')
  t.same(response.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The widget pool is busy' })
})

t.test('outside production a 5xx carries its message', async (t) => {
  const fastify = await build(t, { extend: failingRoutes })
  t.same((await fastify.inject('/crash')).json(),
    { statusCode: 500, error: 'Internal Server Error', message: 'database password is hunter2' })
})

t.test('a 5xx never carries its code, in production or not', async (t) => {
  for (const NODE_ENV of ['production', 'development']) {
    const fastify = await build(t, { env: { NODE_ENV }, extend: failingRoutes })
    const response = await fastify.inject('/coded-5xx')
    t.equal(response.statusCode, 503)
    t.same(response.json(), {
      statusCode: 503,
      error: 'Service Unavailable',
      message: NODE_ENV === 'production' ? 'Service Unavailable' : 'pool of 10 exhausted'
    }, NODE_ENV)
    t.notOk('code' in (await fastify.inject('/coded-500')).json(), `${NODE_ENV}: a 500 neither`)
  }
})

t.test('a 4xx keeps its message and code, in production too', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, {
    env: { NODE_ENV: 'production', LOG_LEVEL: 'error' }, logLines, extend: failingRoutes
  })
  const teapot = await fastify.inject('/teapot')
  t.equal(teapot.statusCode, 418)
  t.same(teapot.json(), { statusCode: 418, error: "I'm a Teapot", message: 'short and stout' })
  const invalid = await fastify.inject('/wait?seconds=x')
  t.match(invalid.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request' })
  t.same(logLines, [], '4xx are not logged as errors')
})

t.test('an error whose status is not an error status is answered 500', async (t) => {
  const fastify = await build(t, { extend: failingRoutes })
  const response = await fastify.inject('/redirect-error')
  t.equal(response.statusCode, 500)
  t.equal(response.json().error, 'Internal Server Error')
})

t.test('a status without a standard name is called Error', async (t) => {
  const fastify = await build(t, { extend: failingRoutes })
  const response = await fastify.inject('/nonstandard')
  t.equal(response.statusCode, 499)
  t.same(response.json(), { statusCode: 499, error: 'Error', message: 'a status with no name' })
})

t.test('a body Fastify cannot parse is a 4xx JSON error', async (t) => {
  const fastify = await build(t, { extend: (fastify) => fastify.post('/echo', async (request) => request.body) })
  const response = await fastify.inject({
    method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":'
  })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { statusCode: 400, error: 'Bad Request', code: 'FST_ERR_CTP_INVALID_JSON_BODY' })
})

t.test(
  "the app's own routes answer errors through the same handler: a 5xx from /wait is generic in production",
  async (t) => {
    const logLines: string[] = []
    const fastify = await build(t, {
      env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', DEPENDENCY_FAILURE_RATE: '1' },
      logLines
    })
    const response = await fastify.inject('/wait?seconds=0')
    t.same(response.json(), { statusCode: 502, error: 'Bad Gateway', message: 'Bad Gateway' })
    t.match(logLines.map((line) => JSON.parse(line)), [{
      level: 40, msg: 'request refused', statusCode: 502, reason: 'The dependency failed: the dependency failed'
    }])
  }
)

t.test("the routes of plugins/external answer errors as the app's own routes do", async (t) => {
  // Under pressure (a heap over 1 byte), every request is shed with a 503 thrown before its handler.
  const fastify = await build(t, { env: { MAX_HEAP_USED_BYTES: '1' } })
  while (!fastify.isUnderPressure()) await new Promise((resolve) => setTimeout(resolve, 20))
  const own = await fastify.inject('/sync')
  t.equal(own.statusCode, 503)
  for (const url of ['/assets/live.css', '/docs', '/docs/json']) {
    const answer = await fastify.inject(url)
    t.equal(answer.statusCode, 503, url)
    t.equal(answer.body, own.body, "the app's JSON, as /sync's")
    t.equal(answer.headers['retry-after'], own.headers['retry-after'])
  }
})
