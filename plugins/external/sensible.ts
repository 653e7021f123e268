// @fastify/sensible: fastify.httpErrors, for the 4xx and 5xx errors the app throws.
import sensible from '@fastify/sensible'

export default sensible
