// Knows every route's methods: fastify.allowedMethods(url) gives a path's Allow header, for 405 and OPTIONS answers.
import FindMyWay from 'find-my-way'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Allow header for the path of `url` ("GET, HEAD, OPTIONS"), or undefined when no route has that path. */
    allowedMethods: (url: string) => string | undefined
  }
}

interface PathMethods {
  methods: Set<string>
  allow: string
}

export default fp(async (fastify) => {
  // Fastify's router options as it was built with them (unset, its defaults are find-my-way's own).
  const { caseSensitive, ignoreTrailingSlash, ignoreDuplicateSlashes, maxParamLength } =
    fastify.initialConfig.routerOptions ?? {}
  // A router of its own, matching paths as Fastify's does, with one entry per path whatever its methods.
  const paths = FindMyWay({ caseSensitive, ignoreTrailingSlash, ignoreDuplicateSlashes, maxParamLength })
  const byUrl = new Map<string, PathMethods>()

  fastify.addHook('onRoute', (route) => {
    let entry = byUrl.get(route.url)
    if (entry === undefined) {
      entry = { methods: new Set(['OPTIONS']), allow: '' }
      byUrl.set(route.url, entry)
      paths.on('GET', route.url, () => {}, entry)
    }
    for (const method of [route.method].flat()) entry.methods.add(method)
    entry.allow = [...entry.methods].sort().join(', ')
  })

  // find-my-way's find leaves the query string out itself.
  fastify.decorate('allowedMethods', (url: string) => (paths.find('GET', url)?.store as PathMethods | undefined)?.allow)
}, { name: 'allowed-methods' })
