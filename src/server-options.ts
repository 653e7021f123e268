// The options Fastify is built with, from config: logger, request ids and timeouts. Shared by the server and the tests.
import { LogController, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { BatchedDestination } from './log-destination.js'
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js'

/** Fastify's options for `config`; `stream` receives the log lines (stdout when omitted). */
export function serverOptions (config: Config, stream?: { write: (line: string) => void }): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      // Fastify's request serializer leaves headers out; headers logged by hand are redacted here.
      redact: { paths: ['headers.authorization', 'headers.cookie'], censor: '[redacted]' },
      stream: stream ?? new BatchedDestination(1)
    },
    // One access line per request comes from plugins/app/access-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS
  }
}
