// The options Fastify is built with, from config: logger, request ids, limits and timeouts. Shared by the server and
// the tests.
import type { Server } from 'node:http'
import { LogController, type FastifyHttpOptions, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Config } from '../config/index.ts'
import { STATUS_CODES } from '../http/status-codes.ts'
import { lazyCompilers } from './lazy-compilers.ts'
import { BatchedDestination } from './log-destination.ts'
import { answerRaw, parserRefusal } from './raw-answers.ts'
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts'

/** How often Node checks for requests past REQUEST_TIMEOUT_MS: a request is cut off at most this much late. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000

/** Fastify's own limit on a plugin's start, and on each close hook. */
const FASTIFY_PLUGIN_TIMEOUT_MS = 10_000

/** Fastify's options for `config`; `stream` receives the log lines (stdout when omitted). */
export function serverOptions (config: Config, stream?: { write: (line: string) => void }): FastifyHttpOptions<Server> {
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
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // A client that stops reading its answer, or sending, cannot hold a connection for ever: 0 is Node's no limit.
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Each route's schemas compiled on its first request, not all at start.
    schemaController: { compilersFactory: lazyCompilers() },
    // Behind nginx every request comes from nginx: the client's address is the one the trusted proxies forwarded.
    ...(config.TRUST_PROXY === undefined ? {} : { trustProxy: config.TRUST_PROXY }),
    // A request that arrives while the app closes is served (its answer asks the client to close the connection),
    // not refused with Fastify's 503: it was sent before the load balancer knew, and the shutdown owes it an answer.
    return503OnClosing: false,
    // What Node's parser refuses is answered as every error is: JSON, with a request id (Fastify's own has neither).
    clientErrorHandler (this: FastifyInstance, error, socket) {
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      const answer = parserRefusal(error, {
        requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
        maxHeaderBytes: config.MAX_HEADER_BYTES
      })
      // As an access line says it, with the parser's reason for what it refused.
      const reqId = answerRaw(socket, answer)
      this.log.info({ reqId, statusCode: answer.statusCode, code: error.code }, 'request refused by the parser')
    },
    // A URL Fastify's router cannot decode (/%zz) is refused before any hook runs: answered here in the same shape,
    // with its request id, and logged as an access line would be.
    frameworkErrors (error, request, reply) {
      // Each of these errors of Fastify's carries its status.
      const statusCode = error.statusCode as number
      request.log.info({ method: request.method, url: request.url, statusCode, code: error.code }, 'request refused')
      void (reply as FastifyReply).code(statusCode).header(REQUEST_ID_HEADER, request.id)
        .send({ statusCode, error: STATUS_CODES[statusCode], message: error.message, code: error.code })
    },
    // Fastify gives each close hook its plugin timeout too, and the drain's waits for the requests held: past the
    // shutdown timeout, so that the stop's own limit (src/server/main.ts) decides, not a hook failing halfway.
    pluginTimeout: config.SHUTDOWN_TIMEOUT_MS === 0
      ? 0
      : Math.max(FASTIFY_PLUGIN_TIMEOUT_MS, config.SHUTDOWN_TIMEOUT_MS + TIMEOUT_CHECK_INTERVAL_MS),
    http: {
      maxHeaderSize: config.MAX_HEADER_BYTES,
      // Node looks for requests past their time every 30 s by default, so a 10 s limit could let one run for 40 s.
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      // Headers get the whole request's time, and no limit with it: Node's own 60 s would otherwise still apply.
      headersTimeout: config.REQUEST_TIMEOUT_MS,
      // A request without Host reaches the app, whose 400 is JSON (plugins/app/malformed-requests.ts), not Node's
      // empty one.
      requireHostHeader: false
    }
  }
}
