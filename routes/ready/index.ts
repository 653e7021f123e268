// GET /ready: readiness, for the orchestrator and the load balancer: 503 while stopping, under pressure, or cut off
// from the Redis the replicas share.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PROBE_OPTIONS } from '../../src/health/probe.ts'
import { ProbeResponse } from '../../src/health/schemas.ts'

const ready: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    ...PROBE_OPTIONS,
    schema: {
      tags: ['probes'],
      summary: 'Readiness: 200 while the service takes traffic, 503 once it is stopping, under pressure, ' +
        'or cannot reach Redis',
      response: {
        200: ProbeResponse('The service takes traffic'),
        503: ProbeResponse('Send no traffic: the service is stopping, under pressure, or cannot reach Redis')
      }
    }
  }, async (request, reply) => {
    if (fastify.shutdown.stopping) return reply.code(503).send({ status: 'stopping' as const })
    if (fastify.isUnderPressure()) return reply.code(503).send({ status: 'under pressure' as const })
    // Its state is shared through Redis: without it, the service would answer as if alone.
    if (fastify.redis?.up === false) return reply.code(503).send({ status: 'redis unreachable' as const })
    return { status: 'ok' as const }
  })
}

export default ready
