// @fastify/helmet: security headers on every answer (the seed's pages are HTML), with a policy Swagger UI works under.
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'

export const autoConfig: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      // The service speaks plain HTTP (TLS ends at the load balancer): asking a browser that reached it over HTTP to
      // fetch the page's scripts over HTTPS would break /docs.
      upgradeInsecureRequests: null
    }
  }
}

export default helmet
