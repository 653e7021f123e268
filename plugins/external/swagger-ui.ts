// @fastify/swagger-ui: Swagger UI at /docs, over the document @fastify/swagger builds, loaded on the first request for
// it rather than at start (src/http/on-demand.ts): its plugin and its own copy of @fastify/static cost about 30 ms of
// every start, for a page few starts ever serve.
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { onDemand } from '../../src/http/on-demand.ts'

const PREFIX = '/docs'

const SWAGGER_UI_OPTIONS: FastifySwaggerUiOptions = {
  routePrefix: PREFIX,
  // No badge fetched from a validator elsewhere: the page loads nothing but its own files.
  uiConfig: { validatorUrl: null }
}

async function swaggerUiOnDemand (fastify: FastifyInstance): Promise<void> {
  const serve = onDemand(async (inner) => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui')
    // The document of this app, under the name Swagger UI depends on.
    await inner.register(fp(async (instance) => {
      instance.decorate('swagger', fastify.swagger.bind(fastify))
    }, { name: '@fastify/swagger' }))
    await inner.register(swaggerUi, SWAGGER_UI_OPTIONS)
  })
  for (const url of [PREFIX, `${PREFIX}/*`]) {
    fastify.get(url, { schema: { hide: true } }, serve)
  }
}

export default fp(swaggerUiOnDemand, { name: 'swagger-ui-on-demand', dependencies: ['@fastify/swagger'] })
