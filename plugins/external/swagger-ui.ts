// @fastify/swagger-ui: Swagger UI at /docs, over the document @fastify/swagger builds.
import swaggerUi, { type FastifySwaggerUiOptions } from '@fastify/swagger-ui'

export const autoConfig: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  // No badge fetched from a validator elsewhere: the page loads nothing but its own files.
  uiConfig: { validatorUrl: null }
}

export default swaggerUi
