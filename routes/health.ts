// GET /health (liveness: the event loop turns) and GET /ready (readiness: 503 while stopping, under pressure, or cut off
// from the Redis the replicas share), for the
// orchestrator and the load balancer. Both cheap, exempt from load shedding and rate limits, and out of the access log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ProbeResponse } from '../src/schemas/probes.js'

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  const probe = {
    // Their access lines are written at info, so this leaves them out of the log; errors still reach it.
    logLevel: 'warn',
    // Under pressure, the route still runs: liveness is not about load, and readiness reports the pressure itself.
    config: { pressureHandler: () => undefined, rateLimit: false }
  } as const

  fastify.get('/health', {
    ...probe,
    schema: {
      tags: ['probes'],
      summary: 'Liveness: answers 200 while the event loop turns, whatever the load',
      response: { 200: ProbeResponse('The process is alive') }
    }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    ...probe,
    schema: {
      tags: ['probes'],
      summary: 'Readiness: 200 while the service takes traffic, 503 once it is stopping, under pressure, or cannot reach Redis',
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

export default health
