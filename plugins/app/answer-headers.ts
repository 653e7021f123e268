// The headers every answer carries, set in the app's one onSend hook: Connection: close while the service stops, the
// request's id (x-request-id, so that a client can quote it and find the request in the log), and helmet's security
// headers (the seed's pages are HTML), with a policy Swagger UI works under.
import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import { REQUEST_ID_HEADER } from '../../src/server/request-id.ts'

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      // The service speaks plain HTTP (TLS ends at the load balancer): asking a browser that reached it over HTTP to
      // fetch the page's scripts over HTTPS would break /docs.
      upgradeInsecureRequests: null
    }
  }
}

/** The headers helmet sets with `options`, collected from a response that only records them. */
function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value },
    removeHeader: () => {}
  }
  // helmet throws on options it refuses, and otherwise calls on at once.
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {})
  return headers
}

export default fp(async (fastify) => {
  // helmet is asked once, at start, for the headers its policy sets: they are the same for every answer.
  // @fastify/helmet instead builds helmet's middleware anew on every request, which cost a seventh of the CPU of a
  // small answer when measured.
  const securityHeaders = helmetHeaders(OPTIONS)
  const { shutdown } = fastify
  // Set as the answer goes out, so that a request waiting on something does not hold them, and an answer a plugin
  // gives before the app's hooks run (a 503 from load shedding) carries them too.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // Each answer during a stop asks its client to close its connection, which the drain then finds idle.
    if (shutdown.stopping) reply.header('connection', 'close')
    reply.header(REQUEST_ID_HEADER, request.id)
    reply.headers(securityHeaders)
    done(null, payload)
  })
}, { name: 'answer-headers', dependencies: ['shutdown'] })
