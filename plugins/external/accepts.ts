// @fastify/accepts: request.accepts(), content negotiation on the Accept header with its q-values, for GET /events.
import accepts from '@fastify/accepts'

export default accepts
