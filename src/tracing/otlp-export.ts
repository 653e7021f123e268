// Spans sent to an OpenTelemetry collector over OTLP/HTTP (protobuf), in batches, with a line in the log when sending
// starts failing and one when it works again: spans the collector does not take are dropped, not lost in silence.
import { ExportResultCode } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace'
import type { FastifyBaseLogger } from 'fastify'

/**
 * A batching span processor that sends to the collector at `endpoint` (its /v1/traces), and says on `log` how that
 * goes.
 */
export function otlpSpanProcessor (endpoint: string, log: FastifyBaseLogger): SpanProcessor {
  const otlp = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` })
  let failing = false
  const exporter: SpanExporter = {
    export (spans, done) {
      otlp.export(spans, (result) => {
        const failed = result.code === ExportResultCode.FAILED
        if (failed && !failing) {
          log.warn(
            { err: result.error, spans: spans.length }, 'trace export failing: spans are dropped until it works again'
          )
        }
        if (!failed && failing) log.info('trace export working again')
        failing = failed
        done(result)
      })
    },
    shutdown: async () => { await otlp.shutdown() }
  }
  return new BatchSpanProcessor({ exporter })
}
