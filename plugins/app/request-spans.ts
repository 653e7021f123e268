// With tracing on, ends the spans of requests Fastify does not see to their end: abandoned by their client (marked
// request.aborted), or answered past Fastify (an event stream, once its head is sent).
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  const { tracing } = fastify
  if (tracing === undefined) return
  fastify.inFlight.onEnd((reply, aborted) => {
    tracing.endRequest(reply.request, aborted ? undefined : reply.statusCode)
  })
}, { name: 'request-spans', dependencies: ['tracing', 'in-flight'] })
