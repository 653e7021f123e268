// Tracing's fragment of the config.
import { Type } from 'typebox'

export const tracingConfig = {
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({
    pattern: '^https?://\\S+$',
    description: "an OTLP/HTTP collector's base URL (traces go to <it>/v1/traces); unset: no tracing, at no cost",
    expected: 'an http:// or https:// URL, such as http://127.0.0.1:4318'
  })),
  OTEL_SERVICE_NAME: Type.String({ default: 'async-service', description: "the service's name on its traces" })
}
