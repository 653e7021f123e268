// Adds to every route's schema the errors any route can answer, so that the OpenAPI document lists them: 503 (load
// shed, or cut off by a shutdown) and, when rate limiting is on, 429. A route exempt from either gets neither.
import fp from 'fastify-plugin'
import { ErrorResponse } from '../../src/http/schemas.ts'

export default fp(async (fastify) => {
  const rateLimited = fastify.config.RATE_LIMIT_MAX > 0
  fastify.addHook('onRoute', (route) => {
    if (route.schema === undefined) return
    const config = route.config as { pressureHandler?: unknown, rateLimit?: unknown } | undefined
    const added: Record<number, ReturnType<typeof ErrorResponse>> = {}
    if (config?.pressureHandler === undefined) {
      added[503] = ErrorResponse('The service sheds load (under pressure: retry after Retry-After) or is shutting down')
    }
    if (rateLimited && config?.rateLimit !== false) {
      added[429] = ErrorResponse('Too many requests from this address in the window: retry after Retry-After')
    }
    // A new schema object: one schema may be shared by several routes, which need not all get the same answers.
    route.schema = { ...route.schema, response: { ...added, ...(route.schema.response as object | undefined) } }
  })
}, { name: 'error-responses', dependencies: ['config'] })
