// @fastify/rate-limit, per client address, on only when RATE_LIMIT_MAX is set (and loaded only then: no route limits
// itself otherwise). Probes opt out with `config: { rateLimit: false }`.
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  const { RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS } = fastify.config
  // One address sends every request of a load test, so a default limit would break them.
  if (RATE_LIMIT_MAX === 0) return
  const { default: rateLimit } = await import('@fastify/rate-limit')
  await fastify.register(rateLimit, {
    max: RATE_LIMIT_MAX,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    // With REDIS_URL the counts live in Redis, so that a client's limit is the same whichever replica it reaches.
    ...(fastify.redis === undefined
      ? {}
      : {
          redis: fastify.redis.client,
          nameSpace: `${fastify.config.REDIS_KEY_PREFIX}:rate-limit:`,
          // While Redis is unreachable no count can be kept: requests go through rather than fail.
          skipOnError: true
        })
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
