// GET /fanout: N calls in parallel take about one call's time, in sequence the sum; failures listed, all failed 502;
// bad input 400; the deadline ends the whole with 504.
import t from 'tap'
import { build } from '../../helpers/app.ts'

interface FanoutAnswer {
  mode: string
  calls: Array<{ ok: boolean, ms: number, error?: string }>
  elapsedMs: number
  sumMs: number
}

t.test('parallel: N calls at once take about one call, and their sum shows what one after another would', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '200' } })
  const response = await fastify.inject('/fanout?calls=10')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/json; charset=utf-8')
  const body = response.json<FanoutAnswer>()
  t.equal(body.mode, 'parallel', 'the default')
  t.equal(body.calls.length, 10)
  t.ok(body.calls.every((call) => call.ok && call.ms >= 195 && call.error === undefined), 'every call took its 200 ms')
  t.ok(body.elapsedMs >= 195 && body.elapsedMs < 1000, `all took about one call: ${body.elapsedMs} ms`)
  t.ok(body.sumMs >= 1950, `their sum is ten calls: ${body.sumMs} ms`)
})

t.test('sequential: one after another, the whole takes the sum', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '50' } })
  const body = (await fastify.inject('/fanout?calls=4&mode=sequential')).json<FanoutAnswer>()
  t.equal(body.mode, 'sequential')
  t.equal(body.calls.length, 4)
  t.ok(body.elapsedMs >= 195, `the sum of four 50 ms calls: ${body.elapsedMs} ms`)
  t.ok(body.elapsedMs >= body.sumMs - 1, 'no less than the sum')
})

t.test('some calls failed: 200, each failure listed with its reason', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '10', DEPENDENCY_FAILURE_RATE: '0.5', DEPENDENCY_SEED: '7' } })
  const response = await fastify.inject('/fanout?calls=20')
  t.equal(response.statusCode, 200)
  const { calls } = response.json<FanoutAnswer>()
  const failed = calls.filter((call) => !call.ok)
  t.ok(failed.length > 0 && failed.length < 20, `some failed: ${failed.length} of 20`)
  t.ok(failed.every((call) => call.error === 'The dependency failed: the dependency failed'), 'each says why')
})

t.test('every call failed: 502 JSON', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '10', DEPENDENCY_FAILURE_RATE: '1' } })
  for (const mode of ['parallel', 'sequential']) {
    const response = await fastify.inject(`/fanout?calls=3&mode=${mode}`)
    t.equal(response.statusCode, 502, mode)
    t.same(response.json(), {
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'All 3 dependency calls failed: The dependency failed: the dependency failed'
    })
  }
})

t.test('past the deadline, the whole answers 504 and no call is left running', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '100', REQUEST_DEADLINE_MS: '250' } })
  const started = performance.now()
  const response = await fastify.inject('/fanout?calls=10&mode=sequential')
  t.equal(response.statusCode, 504)
  t.same(response.json(),
    { statusCode: 504, error: 'Gateway Timeout', message: 'The request took longer than its deadline of 250 ms' })
  t.ok(performance.now() - started < 900, 'did not wait for the ten calls')
  t.equal(fastify.dependency.inFlight, 0)
})

t.test(
  'calls from 1 to FANOUT_MAX_CALLS, mode parallel or sequential; anything else is 400 naming the field',
  async (t) => {
    const fastify = await build(t, { env: { ROOT_DELAY_MS: '0', FANOUT_MAX_CALLS: '5' } })
    t.equal((await fastify.inject('/fanout?calls=1')).statusCode, 200)
    t.equal((await fastify.inject('/fanout?calls=5')).statusCode, 200)
    for (const query of [
      '', '?calls=0', '?calls=6', '?calls=abc', '?calls=1.5', '?calls=-1', '?calls=', '?calls=1&calls=2', '?calls=1e1',
      '?mode=parallel'
    ]) {
      const response = await fastify.inject(`/fanout${query}`)
      t.equal(response.statusCode, 400, query)
      t.same(response.json(), {
        statusCode: 400,
        error: 'Bad Request',
        message: 'querystring/calls must be an integer from 1 to 5',
        code: 'FST_ERR_VALIDATION'
      })
    }
    for (const query of ['?calls=2&mode=both', '?calls=2&mode=', '?calls=2&mode=PARALLEL']) {
      const response = await fastify.inject(`/fanout${query}`)
      t.equal(response.statusCode, 400, query)
      t.same(response.json(), {
        statusCode: 400,
        error: 'Bad Request',
        message: 'querystring/mode must be parallel or sequential',
        code: 'FST_ERR_VALIDATION'
      })
    }
  }
)
