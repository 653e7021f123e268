// Rate limiting: off by default; with RATE_LIMIT_MAX, per client address, 429 JSON with Retry-After, probes exempt;
// with REDIS_URL, counts shared by the replicas, and no count while Redis is away.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.test('off by default: many requests from one address are all served, with no rate-limit headers', async (t) => {
  const fastify = await build(t)
  for (let request = 0; request < 200; request++) {
    const response = await fastify.inject('/sync')
    if (response.statusCode !== 200 || 'x-ratelimit-limit' in response.headers) {
      t.fail(`request ${request}: ${response.statusCode}`)
    }
  }
  t.pass('200 requests served')
})

t.test(
  'on: past RATE_LIMIT_MAX in the window a client gets 429 JSON with Retry-After; another address has its own count',
  async (t) => {
    const fastify = await build(t, { env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '30000' } })
    const from = async (remoteAddress: string) => await fastify.inject({ url: '/sync', remoteAddress })
    t.equal((await from('192.0.2.1')).statusCode, 200)
    t.equal((await from('192.0.2.1')).headers['x-ratelimit-remaining'], '0')
    const limited = await from('192.0.2.1')
    t.equal(limited.statusCode, 429)
    t.equal(limited.headers['retry-after'], '30')
    t.match(limited.headers['content-type'], /^application\/json/)
    t.same(limited.json(),
      { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 30 seconds' })
    t.equal((await from('192.0.2.2')).statusCode, 200, 'another client is not limited')
  }
)

t.test(
  'behind proxies named by TRUST_PROXY, the client is the address they forward; anyone else forwards nothing',
  async (t) => {
    const fastify = await build(t, { env: { RATE_LIMIT_MAX: '1', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' } })
    const through = async (remoteAddress: string, client: string) =>
      await fastify.inject({ url: '/sync', remoteAddress, headers: { 'x-forwarded-for': client } })
    t.equal((await through('10.1.2.3', '192.0.2.1')).statusCode, 200)
    t.equal((await through('10.1.2.3', '192.0.2.2')).statusCode, 200, 'another client through the same proxy')
    t.equal((await through('127.0.0.1', '192.0.2.1')).statusCode, 429,
      'the first client again, through the other proxy')
    t.equal((await through('192.0.2.9', '192.0.2.3')).statusCode, 200)
    t.equal((await through('192.0.2.9', '192.0.2.4')).statusCode, 429,
      'an untrusted sender is the client, whatever it forwards')
  }
)

t.test('without TRUST_PROXY, X-Forwarded-For is not believed', async (t) => {
  const fastify = await build(t, { env: { RATE_LIMIT_MAX: '1' } })
  const forwarding = async (client: string) =>
    await fastify.inject({ url: '/sync', headers: { 'x-forwarded-for': client } })
  t.equal((await forwarding('192.0.2.1')).statusCode, 200)
  t.equal((await forwarding('192.0.2.2')).statusCode, 429, 'both from the one sender')
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

t.test(
  'with REDIS_URL, replicas share the counts: a client past the limit on one is limited on the other',
  async (t) => {
    const redis = await redisServer(t)
    const env = { REDIS_URL: redis.url, RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '30000' }
    const [a, b] = await Promise.all([build(t, { env }), build(t, { env })])
    await until(() => a.redis?.up === true && b.redis?.up === true, 20_000)
    const from = async (replica: typeof a, remoteAddress: string) =>
      await replica.inject({ url: '/sync', remoteAddress })
    t.equal((await from(a, '192.0.2.1')).statusCode, 200)
    t.equal((await from(b, '192.0.2.1')).statusCode, 200)
    t.equal((await from(a, '192.0.2.1')).statusCode, 429, 'its third request, on a, counts the one b served')
    t.equal((await from(b, '192.0.2.1')).statusCode, 429, 'and so does b')
    t.equal((await from(b, '192.0.2.2')).statusCode, 200, 'another client has its own count')
    t.equal((await a.redis?.client.keys('async-service:rate-limit:*'))?.length, 2,
      "a count per client in Redis, under the service's prefix")
  }
)

t.test('with REDIS_URL, while Redis is unreachable requests go through uncounted rather than fail', async (t) => {
  const redis = await redisServer(t)
  const fastify = await build(t, { env: { REDIS_URL: redis.url, RATE_LIMIT_MAX: '1' } })
  await until(() => fastify.redis?.up === true, 20_000)
  await redis.stop()
  await until(() => fastify.redis?.up === false, 20_000)
  for (let request = 0; request < 3; request++) {
    t.equal((await fastify.inject('/sync')).statusCode, 200, `request ${request + 1}`)
  }
})
