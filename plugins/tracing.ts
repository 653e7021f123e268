// fastify.tracing: OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a span processor is given), else
// undefined, with no OpenTelemetry module loaded, no hook and no work per request.
import type { SpanProcessor } from '@opentelemetry/sdk-trace'
import fp from 'fastify-plugin'
import type { Tracing } from '../src/tracing/tracing.ts'

/**
 * How long the close waits for the last spans to reach the collector: a collector that is gone cannot hold the stop.
 */
const FLUSH_LIMIT_MS = 2000

export interface TracingPluginOptions {
  /**
   * Where spans go instead of the collector at OTEL_EXPORTER_OTLP_ENDPOINT, which turns tracing on by itself: an
   * in-memory exporter's processor in the tests, another exporter for an app that embeds this one.
   */
  spanProcessor?: SpanProcessor
}

declare module 'fastify' {
  interface FastifyInstance {
    tracing: Tracing | undefined
  }
}

export default fp<TracingPluginOptions>(async (fastify, { spanProcessor }) => {
  const { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME } = fastify.config
  const spans = spanProcessor ?? (endpoint === undefined
    ? undefined
    : (await import('../src/tracing/otlp-export.ts')).otlpSpanProcessor(endpoint, fastify.log))
  if (spans === undefined) {
    fastify.decorate('tracing', undefined)
    return
  }
  const tracing = (await import('../src/tracing/tracing.ts')).startTracing({
    serviceName: OTEL_SERVICE_NAME,
    spanProcessor: spans
  })
  fastify.decorate('tracing', tracing)
  await fastify.register(tracing.plugin)

  // A WebSocket's request is answered by the upgrade, past Fastify: its span ends as the socket opens (the route's
  // wsHandler is read by @fastify/websocket, registered after this plugin).
  fastify.addHook('onRoute', (route) => {
    const { wsHandler } = route
    if (wsHandler === undefined) return
    route.wsHandler = function (socket, request) {
      tracing.endRequest(request, 101)
      return wsHandler.call(this, socket, request)
    }
  })

  // Last of the close hooks (this plugin is the first registered): the spans of the requests drained are sent.
  fastify.addHook('onClose', async () => {
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<string>((resolve) => {
      timer = setTimeout(resolve, FLUSH_LIMIT_MS, `the collector did not take them within ${FLUSH_LIMIT_MS} ms`)
    })
    const failure = await Promise.race([
      tracing.shutdown().then(() => undefined, (error: Error) => error.message),
      limit
    ])
    clearTimeout(timer)
    if (failure !== undefined) fastify.log.warn(`traces not all sent at the close: ${failure}`)
  })
}, { name: 'tracing', dependencies: ['config'] })
