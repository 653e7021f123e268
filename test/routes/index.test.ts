// GET /: the async route awaiting the slow dependency, its HEAD, and that concurrent requests overlap.
import t from 'tap'
import { build, HTML } from '../helpers/app.ts'

for (const [method, body] of [['GET', 'Hello from async Flask!'], ['HEAD', '']] as const) {
  t.test(`${method} / awaits the dependency, then greets as HTML (HEAD: headers only)`, async (t) => {
    const fastify = await build(t, { env: { ROOT_DELAY_MS: '150', WAIT_DELAY_MS: '3000' } })
    const started = performance.now()
    const response = await fastify.inject({ method, url: '/' })
    const elapsed = performance.now() - started
    t.ok(elapsed >= 145 && elapsed < 2500, `waited ROOT_DELAY_MS, not another delay (${Math.round(elapsed)} ms)`)
    t.equal(response.statusCode, 200)
    t.equal(response.headers['content-type'], HTML)
    t.equal(response.headers['content-length'], '23')
    t.equal(response.body, body)
  })
}

t.test('100 concurrent requests to / overlap: they take about one delay, not the sum', async (t) => {
  const fastify = await build(t, { env: { ROOT_DELAY_MS: '200' } })
  const started = performance.now()
  const responses = await Promise.all(Array.from({ length: 100 }, () => fastify.inject('/')))
  const elapsed = performance.now() - started
  t.ok(responses.every((response) => response.statusCode === 200), 'all succeeded')
  t.ok(elapsed >= 195, `took at least one delay (${Math.round(elapsed)} ms)`)
  t.ok(elapsed < 100 * 200 / 10, `took well under the sum of 20,000 ms (${Math.round(elapsed)} ms)`)
})

t.test('calls awaited one after another take the sum of their delays, so the bound above can fail', async (t) => {
  const fastify = await build(t, {
    extend: (fastify) => fastify.get('/serial', async () => {
      for (let call = 0; call < 5; call++) await fastify.dependency.call({ latencyMs: 50 })
      return 'done'
    })
  })
  const started = performance.now()
  const response = await fastify.inject('/serial')
  const elapsed = performance.now() - started
  t.equal(response.body, 'done')
  t.ok(elapsed >= 5 * 50 - 5, `took the sum of 250 ms (${Math.round(elapsed)} ms)`)
})
