// This service's routes, from Fastify's own route table: the app is built with the default configuration (nothing
// to connect to), every route seen as it is added, and closed again. Another Fastify app may be read instead: a
// module whose default export is its plugin, registered with the same options as this one.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import Fastify, { type FastifyPluginAsync, type HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { loadConfig } from '../src/config/index.ts'
import { serverOptions } from '../src/server/options.ts'
import { ParityError } from './errors.ts'

const THIS_SERVICE = resolve(import.meta.dirname, '..', 'src', 'app.ts')

export interface ServiceRoute {
  url: string
  /** Every method Fastify serves at `url`, HEAD included where it adds one for GET; sorted. */
  methods: string[]
}

/**
 * The routes of the app in `module` (this service's by default), in the order they were added, the app built with the
 * configuration `env` gives (by default, the defaults: nothing to connect to).
 */
export async function serviceRoutes (
  module = THIS_SERVICE,
  env: Record<string, string> = { LOG_LEVEL: 'silent' }
): Promise<ServiceRoute[]> {
  const loaded = await import(pathToFileURL(resolve(module)).href).catch((error: Error) => {
    throw new ParityError(`Cannot load the service's app ${module}: ${error.message}`)
  }) as { default?: unknown }
  if (typeof loaded.default !== 'function') {
    throw new ParityError(`${module} has no default export that is a Fastify plugin`)
  }
  const result = await loadConfig(env)
  if (!result.ok) throw new ParityError(`Cannot build the service's app: ${result.problems.join('; ')}`)
  const fastify = Fastify(serverOptions(result.config))
  const urls = new Set<string>()
  fastify.addHook('onRoute', ({ url }) => { urls.add(url) })
  try {
    await fastify.register(fp(loaded.default as FastifyPluginAsync<{ config: unknown }>), { config: result.config })
    await fastify.ready()
    // Asked of the router rather than taken from onRoute, which a prefixed '/' route's twin with a trailing slash
    // never reaches but for its HEAD.
    return [...urls].map((url) => ({
      url,
      methods: fastify.supportedMethods.filter((method) => fastify.hasRoute({ url, method: method as HTTPMethods }))
        .sort()
    }))
  } finally {
    await fastify.close()
  }
}
