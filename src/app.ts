// The application as one Fastify plugin: config and tracing, the JSON error answer, plugins/external and plugins/app
// autoloaded, the not-found answer, then routes/, in that order.
import { join } from 'node:path'
import AutoLoad from '@fastify/autoload'
import type { SpanProcessor } from '@opentelemetry/sdk-trace'
import type { FastifyError, FastifyInstance } from 'fastify'
import configPlugin from '../plugins/config.ts'
import tracing from '../plugins/tracing.ts'
import type { Config } from './config/index.ts'
import { STATUS_CODES } from './http/status-codes.ts'

const PLUGINS = join(import.meta.dirname, '..', 'plugins')
const ROUTES = join(import.meta.dirname, '..', 'routes')

export interface AppOptions {
  config: Config
  /** Where spans go rather than to OTEL_EXPORTER_OTLP_ENDPOINT; given, tracing is on (plugins/tracing.ts). */
  spanProcessor?: SpanProcessor
}

export default async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // Every plugin reads fastify.config. Third-party plugins (thin wrappers configured from it) come next, then the
  // app's own, which may use them; within a folder, a plugin's declared dependencies load before it.
  await fastify.register(configPlugin, { config: options.config })
  // Tracing (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set) before any other hook, so that each request's span covers
  // them all, load shedding's included.
  await fastify.register(tracing, { spanProcessor: options.spanProcessor })

  const production = options.config.NODE_ENV === 'production'

  // Before any plugin registers a route: a route keeps the error handler its context had when it was registered.
  fastify.setErrorHandler((
    error: FastifyError & { headers?: Record<string, string>, expose?: boolean },
    request,
    reply
  ) => {
    // Its client has left (the request's work was cancelled for it): nobody would read an answer, so none is made.
    if (reply.raw.destroyed) {
      reply.hijack()
      return
    }
    const statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    // A 500 is a failure, logged with its stack; another 5xx was chosen (load shed, shutdown, a dependency down),
    // and under load a stack per request would add to the very load being shed.
    if (statusCode === 500) request.log.error({ err: error }, 'request failed')
    else if (statusCode > 500) request.log.warn({ statusCode, reason: error.message }, 'request refused')
    const reason = STATUS_CODES[statusCode] ?? 'Error'
    // Headers an error asks for, such as Retry-After with a 503 or 429.
    if (error.headers !== undefined) reply.headers(error.headers)
    // In production a 5xx says only its status, unless it was made for the client to read (a 503 to retry later).
    return reply.code(statusCode).send({
      statusCode,
      error: reason,
      message: statusCode >= 500 && production && error.expose !== true ? reason : error.message,
      ...(error.code === undefined || statusCode >= 500 ? {} : { code: error.code })
    })
  })

  // Each wrapper configures its plugin from fastify.config itself (autoConfig), so nothing is passed down.
  await fastify.register(AutoLoad, { dir: join(PLUGINS, 'external'), options: {} })
  await fastify.register(AutoLoad, { dir: join(PLUGINS, 'app'), options })

  // No route matched: a known path with another method is 405 (or OPTIONS answered), anything else 404.
  // Named: with tracing on, a 404's span is named after it.
  fastify.setNotFoundHandler(function notFound (request, reply) {
    const allow = fastify.allowedMethods(request.url)
    if (allow === undefined) throw fastify.httpErrors.notFound(`Route ${request.method} ${request.url} not found`)
    reply.header('allow', allow)
    if (request.method === 'OPTIONS') return reply.html('')
    throw fastify.httpErrors.methodNotAllowed(
      `Method ${request.method} is not allowed on ${request.url}; allowed: ${allow}`
    )
  })

  // Routes come last, after every plugin they use.
  // A folder per resource; its autohooks.ts holds hooks for that folder and the folders below it.
  await fastify.register(AutoLoad, { dir: ROUTES, autoHooks: true, cascadeHooks: true, options })
}
