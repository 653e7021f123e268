// @fastify/static: the files of public/ (the live page, its script and its style) under /assets/, with their ETag and
// Last-Modified, and reply.sendAsset(file) for a route that answers with one of them (GET /live). The plugin loads on
// the first request for one (src/http/on-demand.ts): with its MIME table it costs about 15 ms of every start, for files
// only a browser asks for.
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { onDemand } from '../../src/http/on-demand.ts'

const PREFIX = '/assets/'
// public/ sits beside plugins/ in the sources, and the build copies it beside them in dist/.
const ROOT = join(import.meta.dirname, '..', '..', 'public')

declare module 'fastify' {
  interface FastifyReply {
    /** Answers with `file` of public/, as GET /assets/`file` would. */
    sendAsset: (file: string) => Promise<FastifyReply>
  }
}

async function staticOnDemand (fastify: FastifyInstance): Promise<void> {
  const serve = onDemand(async (inner) => {
    const { default: fastifyStatic } = await import('@fastify/static')
    await inner.register(fastifyStatic, { root: ROOT, prefix: PREFIX })
  })
  fastify.get(`${PREFIX}*`, { schema: { hide: true } }, serve)
  fastify.decorateReply('sendAsset', async function (this: FastifyReply, file: string) {
    return serve(this.request, this, PREFIX + file)
  })
}

export default fp(staticOnDemand, { name: 'static-on-demand' })
