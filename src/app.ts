// The application as one Fastify plugin: config, then plugins/external, plugins/app and routes/ autoloaded, in that
// order, and the JSON error and not-found answers.
import { join } from 'node:path'
import { STATUS_CODES } from 'node:http'
import AutoLoad from '@fastify/autoload'
import type { FastifyError, FastifyInstance } from 'fastify'
import configPlugin from '../plugins/config.js'
import type { Config } from './config.js'

const PLUGINS = join(import.meta.dirname, '..', 'plugins')
const ROUTES = join(import.meta.dirname, '..', 'routes')

export interface AppOptions {
  config: Config
}

export default async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // Every plugin reads fastify.config. Third-party plugins (thin wrappers configured from it) come next, then the
  // app's own, which may use them; within a folder, a plugin's declared dependencies load before it.
  await fastify.register(configPlugin, { config: options.config })
  await fastify.register(AutoLoad, { dir: join(PLUGINS, 'external') })
  await fastify.register(AutoLoad, { dir: join(PLUGINS, 'app'), options })
  // A folder per resource; its autohooks.ts holds hooks for that folder and the folders below it.
  await fastify.register(AutoLoad, { dir: ROUTES, autoHooks: true, cascadeHooks: true, options })

  const production = options.config.NODE_ENV === 'production'

  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    const reason = STATUS_CODES[statusCode] ?? 'Error'
    return reply.code(statusCode).send({
      statusCode,
      error: reason,
      message: statusCode >= 500 && production ? reason : error.message,
      ...(error.code === undefined || statusCode >= 500 ? {} : { code: error.code })
    })
  })

  // No route matched: a known path with another method is 405 (or OPTIONS answered), anything else 404.
  fastify.setNotFoundHandler((request, reply) => {
    const allow = fastify.allowedMethods(request.url)
    if (allow === undefined) throw fastify.httpErrors.notFound(`Route ${request.method} ${request.url} not found`)
    reply.header('allow', allow)
    if (request.method === 'OPTIONS') return reply.html('')
    throw fastify.httpErrors.methodNotAllowed(`Method ${request.method} is not allowed on ${request.url}; allowed: ${allow}`)
  })
}
