// @fastify/rate-limit, per client address, on only when RATE_LIMIT_MAX is set: one address sends every request of a
// load test, so a default limit would break them. Probes opt out with `config: { rateLimit: false }`.
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'

export const autoConfig = (fastify: FastifyInstance): RateLimitPluginOptions => ({
  global: fastify.config.RATE_LIMIT_MAX > 0,
  max: fastify.config.RATE_LIMIT_MAX,
  timeWindow: fastify.config.RATE_LIMIT_WINDOW_MS
})

export default rateLimit
