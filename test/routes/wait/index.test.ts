// GET /wait: the default wait, ?seconds=N, and every value it refuses.
import t from 'tap'
import { build, HTML } from '../../helpers/app.ts'

t.test('GET /wait waits WAIT_DELAY_MS and says so in seconds', async (t) => {
  const fastify = await build(t, { env: { WAIT_DELAY_MS: '100' } })
  const started = performance.now()
  const response = await fastify.inject('/wait')
  t.ok(performance.now() - started >= 95, 'waited')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], HTML)
  t.equal(response.body, 'Waited 0.1 seconds!')
})

t.test('GET /wait?seconds=N waits N seconds and writes N as the seed would', async (t) => {
  const fastify = await build(t)
  for (const [seconds, written] of [['0', '0'], ['0.05', '0.05'], ['0.050', '0.05'], ['00', '0']]) {
    const started = performance.now()
    const response = await fastify.inject(`/wait?seconds=${seconds}`)
    t.equal(response.statusCode, 200, `seconds=${seconds}`)
    t.equal(response.body, `Waited ${written} seconds!`)
    t.ok(performance.now() - started >= Number(seconds) * 1000 - 5, 'waited as long as asked')
  }
})

t.test('GET /wait?seconds=2 answers "Waited 2 seconds!" after 2 s', async (t) => {
  const fastify = await build(t)
  const started = performance.now()
  const response = await fastify.inject('/wait?seconds=2')
  t.equal(response.body, 'Waited 2 seconds!')
  t.ok(performance.now() - started >= 1995)
})

t.test(
  'seconds up to MAX_WAIT_SECONDS is accepted; beyond it, refused in the same words and code as any bad value',
  async (t) => {
    const fastify = await build(t, { env: { MAX_WAIT_SECONDS: '0.1' } })
    t.equal((await fastify.inject('/wait?seconds=0.1')).statusCode, 200)
    for (const value of ['0.11', 'abc']) {
      const response = await fastify.inject(`/wait?seconds=${value}`)
      t.equal(response.statusCode, 400, `seconds=${value}`)
      t.same(response.json(), {
        statusCode: 400,
        error: 'Bad Request',
        code: 'FST_ERR_VALIDATION',
        message: 'querystring/seconds must be a decimal number of seconds from 0 to 0.1'
      })
    }
  }
)

t.test('anything but a plain decimal from 0 to 60 is refused with a 400 that says so in words', async (t) => {
  const fastify = await build(t)
  const refused = [
    'abc', '', '-1', '61', '60.01', '1e400', 'Infinity', '-Infinity', 'NaN', '0x10', ' 2', '1e1', '+1', '1.', '.5',
    '1,5'
  ]
  const expected = {
    statusCode: 400,
    error: 'Bad Request',
    code: 'FST_ERR_VALIDATION',
    message: 'querystring/seconds must be a decimal number of seconds from 0 to 60'
  }
  for (const value of refused) {
    const response = await fastify.inject({ url: '/wait', query: { seconds: value } })
    t.equal(response.statusCode, 400, `seconds=${JSON.stringify(value)}`)
    t.match(response.headers['content-type'], /^application\/json/)
    t.same(response.json(), expected)
  }
  const repeated = await fastify.inject('/wait?seconds=1&seconds=2')
  t.equal(repeated.statusCode, 400, 'a repeated parameter')
  t.same(repeated.json(), expected)
})
