// GET /health: liveness, for the orchestrator: 200 while the event loop turns, whatever the load; with REDIS_URL, it
// says whether Redis is up, for whoever reads it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PROBE_OPTIONS } from '../../src/health/probe.ts'
import { ProbeResponse } from '../../src/health/schemas.ts'

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    ...PROBE_OPTIONS,
    schema: {
      tags: ['probes'],
      summary: 'Liveness: answers 200 while the event loop turns, whatever the load',
      response: { 200: ProbeResponse('The process is alive') }
    }
  }, async () => ({
    status: 'ok' as const,
    ...(fastify.redis === undefined ? {} : { redis: fastify.redis.up ? 'up' as const : 'down' as const })
  }))
}

export default health
