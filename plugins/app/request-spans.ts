// With tracing on, ends the spans of requests whose client left before their answer, which Fastify does not see to
// their end (marked request.aborted).
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  const { tracing } = fastify
  if (tracing === undefined) return
  fastify.inFlight.onEnd((reply, aborted) => {
    if (aborted) tracing.endRequest(reply.request)
  })
}, { name: 'request-spans', dependencies: ['tracing', 'in-flight'] })
