// The slow dependency as fastify.dependency; calls still pending when the app closes are cancelled.
import fp from 'fastify-plugin'
import { SlowDependency } from '../../src/dependency.js'

declare module 'fastify' {
  interface FastifyInstance {
    dependency: SlowDependency
  }
}

export default fp(async (fastify) => {
  const dependency = new SlowDependency()
  fastify.decorate('dependency', dependency)
  fastify.addHook('onClose', async () => {
    dependency.cancelAll(fastify.httpErrors.serviceUnavailable('The service is shutting down'))
  })
}, { name: 'dependency', dependencies: ['@fastify/sensible'] })
