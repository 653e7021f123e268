// GET /health: liveness, for the orchestrator: 200 while the event loop turns, whatever the load; with REDIS_URL or
// DATABASE_URL, it says whether Redis or PostgreSQL is up, for whoever reads it.
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
  }, async () => {
    const { redis, dependency: { reachable } } = fastify
    return {
      status: 'ok' as const,
      ...(redis === undefined ? {} : { redis: redis.up ? 'up' as const : 'down' as const }),
      ...(reachable === undefined ? {} : { database: reachable ? 'up' as const : 'down' as const })
    }
  })
}

export default health
