// GET /metrics: the app's and the process's metrics in Prometheus's text format, for a scraper.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Registry } from '@prometheus-io/client'
import { TextResponse } from '../../src/http/text-answers.ts'

const metrics: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    // Scraped every few seconds: its access lines are left out at info, and it answers under pressure and rate limits.
    logLevel: 'warn',
    config: { pressureHandler: () => undefined, rateLimit: false },
    schema: {
      tags: ['observability'],
      summary: 'Metrics in the Prometheus text format: requests, dependency calls, CPU pool, tasks, the process',
      response: {
        200: TextResponse('The metrics', 'text/plain; version=0.0.4; charset=utf-8')
      }
    }
  }, async (request, reply) => {
    const merged = Registry.merge([...fastify.metrics.registries])
    return reply.type(merged.contentType).send(await merged.metrics())
  })
}

export default metrics
