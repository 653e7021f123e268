// The app's tracing on OpenTelemetry, loaded only when tracing is on: a tracer provider of its own, @fastify/otel's
// span per request (named after its route, its ids on the request's log lines), and the spans of dependency calls.
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import { NoopSpanProcessor, TracerProvider, type Span as SdkSpan, type SpanProcessor } from '@opentelemetry/sdk-trace'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { DependencySpan } from '../dependency/port.ts'

// The OpenTelemetry API holds these for the whole process: set by the first app that traces (another app in the same
// process shares them). The context manager carries the current span across awaits; the propagator reads and writes
// the W3C traceparent header.
context.setGlobalContextManager(new AsyncLocalStorageContextManager())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())

export interface TracingOptions {
  /** The service's name on its spans (the resource's service.name). */
  serviceName: string
  /** Where the spans go as each ends. */
  spanProcessor: SpanProcessor
}

/** The span of one dependency call. */
export interface CallSpan {
  /** Runs `call` with this span current, so that what the call sends (a traceparent) names it as the parent. */
  run: <T>(call: () => T) => T
  /** Ends the span with how the call ended; with an error, the span is marked failed with its message. */
  end: (outcome: string, error?: Error) => void
}

export interface Tracing {
  /** @fastify/otel's plugin: registered first, its span per request covers every hook. */
  plugin: FastifyPluginCallback
  /**
   * Starts the span of a dependency call asking for `latencyMs`, a child of the current span; named and described as
   * `described` says, for a dependency the conventions know (a database).
   */
  startCall: (latencyMs: number, described?: DependencySpan) => CallSpan
  /** The headers that carry the current span to a service called (traceparent, and tracestate when there is one). */
  headers: () => Record<string, string>
  /**
   * Ends the request's span if it is still open: answered past Fastify with `statusCode` (a WebSocket's 101), or,
   * without one, abandoned by its client before its answer.
   */
  endRequest: (request: FastifyRequest, statusCode?: number) => void
  /** Sends the spans not sent yet, and stops. */
  shutdown: () => Promise<void>
}

/**
 * OpenTelemetry's HTTP conventions leave a server span's status unset on a 4xx, the client's mistake rather than the
 * service's failure; @fastify/otel marks a request as failed whenever its handler threw, a 400 too. This puts that
 * right as each span ends, before the span processor that exports it sees it.
 */
class ClientErrorsUnset extends NoopSpanProcessor {
  onEnding (span: SdkSpan): void {
    const statusCode = span.attributes['http.response.status_code']
    if (span.kind !== SpanKind.SERVER || typeof statusCode !== 'number' || statusCode >= 500) return
    // The SDK's span keeps its status in a plain field, read-only in its type; setStatus() ignores "unset".
    Object.assign(span, { status: { code: SpanStatusCode.UNSET } })
  }
}

export function startTracing ({ serviceName, spanProcessor }: TracingOptions): Tracing {
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    spanProcessors: [new ClientErrorsUnset(), spanProcessor]
  })
  const tracer = provider.getTracer('async-service')
  const instrumentation = new FastifyOtelInstrumentation({
    // No span per hook, nor one for the handler: they would multiply the spans of every request. The request's span is
    // current through its hooks and handler all the same (the rest of the request runs in its context, its body read
    // late included): the parent of its calls' spans.
    instrumentHooks: false,
    instrumentHandler: false,
    // A 5xx's span has its error's message; its stack is in the log line of the 500, with the trace's id. Formatting
    // the stack of every thrown error (a 400 too) for the span would cost more than the span.
    recordExceptions: false,
    requestHook: (span, request) => {
      // As OpenTelemetry's HTTP conventions name a server span: its method and route, the method alone without one.
      const route = request.routeOptions.url
      span.updateName(route === undefined ? request.method : `${request.method} ${route}`)
      // Its ids on every line the request logs. Fastify's request logger is a pino child of the request's own, whose
      // bindings grow in place: a child of it would cost more than the span (pino's fast path slows on loggers of new
      // shapes). Fastify's logger type leaves setBindings out.
      const { traceId, spanId } = span.spanContext()
      const log = request.log as unknown as { setBindings: (bindings: object) => void }
      log.setBindings({ traceId, spanId })
    }
  })
  instrumentation.setTracerProvider(provider)

  return {
    plugin: instrumentation.plugin(),
    startCall (latencyMs, described) {
      const parent = context.active()
      const span = tracer.startSpan(described?.name ?? 'dependency call', {
        kind: SpanKind.CLIENT,
        attributes: { ...described?.attributes, 'dependency.latency_ms': latencyMs }
      }, parent)
      const current = trace.setSpan(parent, span)
      return {
        run: (call) => context.with(current, call),
        end (outcome, error) {
          span.setAttribute('dependency.outcome', outcome)
          if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
          span.end()
        }
      }
    },
    headers () {
      const headers: Record<string, string> = {}
      propagation.inject(context.active(), headers)
      return headers
    },
    endRequest (request, statusCode) {
      // Null once @fastify/otel has ended it.
      const span: Span | null = request.opentelemetry().span
      if (span === null) return
      if (statusCode === undefined) span.setAttribute('request.aborted', true)
      else span.setAttribute('http.response.status_code', statusCode)
      span.end()
    },
    shutdown: async () => { await provider.shutdown() }
  }
}
