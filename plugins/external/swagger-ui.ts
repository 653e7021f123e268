// @fastify/swagger-ui: Swagger UI at /docs, over the document @fastify/swagger builds, loaded on the first request for
// it rather than at start: its plugin and its own copy of @fastify/static cost about 30 ms of every start, for a page
// few starts ever serve. It runs in a Fastify instance of its own, asked in memory; its answers go out through this
// app's hooks (security headers, access line, metrics) as any other.
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

const PREFIX = '/docs'

const SWAGGER_UI_OPTIONS: FastifySwaggerUiOptions = {
  routePrefix: PREFIX,
  // No badge fetched from a validator elsewhere: the page loads nothing but its own files.
  uiConfig: { validatorUrl: null }
}

/** Headers of the inner answer this app's reply sets itself, or that belong to the connection. */
const NOT_COPIED = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date'])

async function swaggerUiOnDemand (fastify: FastifyInstance): Promise<void> {
  let docs: Promise<FastifyInstance> | undefined

  async function load (): Promise<FastifyInstance> {
    const { default: swaggerUi } = await import('@fastify/swagger-ui')
    const inner = Fastify()
    // The document of this app, under the name Swagger UI depends on.
    await inner.register(fp(async (instance) => {
      instance.decorate('swagger', fastify.swagger.bind(fastify))
    }, { name: '@fastify/swagger' }))
    await inner.register(swaggerUi, SWAGGER_UI_OPTIONS)
    await inner.ready()
    return inner
  }

  async function serve (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // Loaded once. It never listens and holds nothing open, so there is nothing to close with the app.
    docs ??= load()
    // GET for a HEAD too: Fastify answers a HEAD from the GET's answer, its length included.
    const answer = await (await docs).inject({ method: 'GET', url: request.url, headers: request.headers })
    if (answer.statusCode === 404) {
      reply.callNotFound()
      return reply
    }
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!NOT_COPIED.has(name) && value !== undefined) reply.header(name, value)
    }
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }

  for (const url of [PREFIX, `${PREFIX}/*`]) {
    fastify.get(url, { schema: { hide: true } }, serve)
  }
}

export default fp(swaggerUiOnDemand, { name: 'swagger-ui-on-demand', dependencies: ['@fastify/swagger'] })
