// A plugin loaded on the first request that needs it rather than at start, for files few starts ever serve whose
// packages every start would pay for (Swagger UI's page, the live page's files). It runs in a Fastify instance of its
// own, asked in memory; its answer goes out through this app's reply, and so through this app's hooks (security
// headers, access line, metrics), as any other.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'

/** Headers of the inner answer this app's reply sets itself, or that belong to the connection. */
const NOT_COPIED = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date'])

/** Answers `request` with the inner instance's answer to a GET of `url` (the request's own by default). */
export type ServeOnDemand = (request: FastifyRequest, reply: FastifyReply, url?: string) => Promise<FastifyReply>

/**
 * Serves from the Fastify instance that `setUp` fills, made on the first request and kept: it never listens and holds
 * nothing open, so there is nothing to close with the app. A load that fails fails its requests, and the next request
 * loads again. What the instance does not have is this app's not-found answer; its own failure (a file it cannot
 * read) is this app's error, logged, and answered as every 500 is.
 */
export function onDemand (setUp: (inner: FastifyInstance) => Promise<void>): ServeOnDemand {
  let loaded: Promise<FastifyInstance> | undefined

  async function load (): Promise<FastifyInstance> {
    const inner = Fastify()
    await setUp(inner)
    await inner.ready()
    return inner
  }

  return async function serve (request, reply, url = request.url) {
    if (loaded === undefined) {
      loaded = load()
      loaded.catch(() => { loaded = undefined })
    }
    // GET for a HEAD too: Fastify answers a HEAD from the GET's answer, its length included.
    const answer = await (await loaded).inject({ method: 'GET', url, headers: request.headers })
    if (answer.statusCode === 404) {
      reply.callNotFound()
      return reply
    }
    if (answer.statusCode >= 500) throw new Error((answer.json() as { message: string }).message)
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!NOT_COPIED.has(name) && value !== undefined) reply.header(name, value)
    }
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }
}
