// Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT): no OpenTelemetry SDK module loaded, no instrumentation registered, no
// trace ids in the log, no traceparent sent upstream; the service works as without tracing.
import type { IncomingHttpHeaders } from 'node:http'
import t from 'tap'
import { build } from '../helpers/app.ts'
import { recordResolvedModules } from '../helpers/resolved-modules.ts'
import { serve } from '../helpers/upstream.ts'

// Every module resolved from here on, by import or require. @opentelemetry/api is not tracing's: the metrics client
// loads it anyway.
const resolved = recordResolvedModules()
const TRACING_MODULES = /@fastify\/otel|@opentelemetry\/(?!api\/)|src\/(tracing|otlp-export)\.[jt]s/

t.test('without an endpoint the app loads no tracing module and registers no instrumentation', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  t.ok(resolved.some((url) => url.includes('plugins/app/dependency')), 'the resolve hook sees the app\'s modules load')
  t.same(resolved.filter((url) => TRACING_MODULES.test(url)), [])
  t.equal(app.tracing, undefined)
  t.notOk(app.hasPlugin('@fastify/otel'))
  t.notOk(app.hasRequestDecorator('opentelemetry'))
  t.equal((await app.inject('/')).statusCode, 200)
  t.notMatch(logLines.join(''), /traceId|spanId/)
  t.same(resolved.filter((url) => TRACING_MODULES.test(url)), [], 'nor while it serves')
})

t.test('without an endpoint no traceparent goes to the upstream', async (t) => {
  const received: IncomingHttpHeaders[] = []
  const upstream = await serve(t, (request, response) => {
    received.push(request.headers)
    response.end('ok')
  })
  const app = await build(t, { env: { DEPENDENCY_URL: upstream.origin } })
  t.equal((await app.inject({
    url: '/',
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }
  })).statusCode, 200)
  t.equal(received.length, 1)
  t.notOk('traceparent' in (received[0] ?? {}))
})
