// Rate limiting: off by default; with RATE_LIMIT_MAX, per client address, 429 JSON with Retry-After, probes exempt.
import t from 'tap'
import { build } from '../../helper.js'

t.test('off by default: many requests from one address are all served, with no rate-limit headers', async (t) => {
  const fastify = await build(t)
  for (let request = 0; request < 200; request++) {
    const response = await fastify.inject('/sync')
    if (response.statusCode !== 200 || 'x-ratelimit-limit' in response.headers) t.fail(`request ${request}: ${response.statusCode}`)
  }
  t.pass('200 requests served')
})

t.test('on: past RATE_LIMIT_MAX in the window a client gets 429 JSON with Retry-After; another address has its own count', async (t) => {
  const fastify = await build(t, { env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '30000' } })
  const from = async (remoteAddress: string) => await fastify.inject({ url: '/sync', remoteAddress })
  t.equal((await from('192.0.2.1')).statusCode, 200)
  t.equal((await from('192.0.2.1')).headers['x-ratelimit-remaining'], '0')
  const limited = await from('192.0.2.1')
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '30')
  t.match(limited.headers['content-type'], /^application\/json/)
  t.same(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 30 seconds' })
  t.equal((await from('192.0.2.2')).statusCode, 200, 'another client is not limited')
})

t.test('on: /health and /ready are exempt', async (t) => {
  const fastify = await build(t, { env: { RATE_LIMIT_MAX: '1' } })
  for (let request = 0; request < 5; request++) {
    for (const url of ['/health', '/ready']) {
      const response = await fastify.inject(url)
      t.equal(response.statusCode, 200, `${url} #${request + 1}`)
      t.notOk('x-ratelimit-limit' in response.headers)
    }
  }
  t.equal((await fastify.inject('/sync')).statusCode, 200)
  t.equal((await fastify.inject('/sync')).statusCode, 429, 'while the others are limited')
})
