// The slow dependency as fastify.dependency; its calls in flight are cancelled at the shutdown's cut-off (answered 503,
// with Retry-After) and when the app closes.
import fp from 'fastify-plugin'
import { SlowDependency } from '../../src/dependency.js'

/** Seconds a client cut off by a shutdown should wait before it asks again: another replica, or this one restarted. */
const RETRY_AFTER_SHUTDOWN_S = 1

declare module 'fastify' {
  interface FastifyInstance {
    dependency: SlowDependency
  }
}

export default fp(async (fastify) => {
  const dependency = new SlowDependency()
  const shuttingDown = (): Error => fastify.httpErrors.createError(503, 'The service is shutting down', {
    headers: { 'retry-after': String(RETRY_AFTER_SHUTDOWN_S) }
  })
  fastify.decorate('dependency', dependency)
  fastify.shutdown.cutOff.addEventListener('abort', () => { dependency.cancelAll(shuttingDown()) })
  fastify.addHook('onClose', async () => { dependency.cancelAll(shuttingDown()) })
}, { name: 'dependency', dependencies: ['@fastify/sensible', 'shutdown'] })
