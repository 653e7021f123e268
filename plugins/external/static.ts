// @fastify/static: the files of public/ (the live page and its script and style) under /assets/, with their ETag and
// Last-Modified, and reply.sendFile for a route that answers with one of them.
import { join } from 'node:path'
import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static'

export const autoConfig: FastifyStaticOptions = {
  // public/ sits beside plugins/ in the sources, and the build copies it beside them in dist/.
  root: join(import.meta.dirname, '..', '..', 'public'),
  prefix: '/assets/',
  // reply.sendFile for GET /live. Swagger UI registers its own copy of the plugin without the decorator: no clash.
  decorateReply: true
}

export default fastifyStatic
