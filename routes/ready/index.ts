// GET /ready: readiness of this process, for the orchestrator and the load balancer: 503 while stopping or under
// pressure. Not for Redis, which every replica shares: its outage would take them all out of the Service at once,
// and the routes that need no Redis with them (docs/explanation/readiness.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PROBE_OPTIONS } from '../../src/health/probe.ts'
import { ProbeResponse } from '../../src/health/schemas.ts'

const ready: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('', {
    ...PROBE_OPTIONS,
    schema: {
      tags: ['probes'],
      summary: 'Readiness: 200 while the service takes traffic, 503 once it is stopping or under pressure',
      response: {
        200: ProbeResponse('The service takes traffic'),
        503: ProbeResponse('Send no traffic: the service is stopping or under pressure')
      }
    }
  }, async (request, reply) => {
    if (fastify.shutdown.stopping) return reply.code(503).send({ status: 'stopping' as const })
    if (fastify.isUnderPressure()) return reply.code(503).send({ status: 'under pressure' as const })
    return { status: 'ok' as const }
  })
}

export default ready
