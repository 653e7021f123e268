// Tracing on: a span per request, named after its route, with its status; a caller's traceparent continued; the
// request's trace and span ids on its log lines; the service's name on its spans.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import t from 'tap'
import { spanNamed, traced } from '../helpers/tracing.ts'
import { until } from '../helpers/upstream.ts'

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c'
const CALLER_SPAN = 'b7ad6b7169203331'

t.test('each request has one span, named after its method and route, with its status', async (t) => {
  const { app, spans } = await traced(t)
  t.equal((await app.inject('/sync?x=1')).statusCode, 200)
  t.equal(spans().length, 1, 'one span: none per hook, none for the handler')
  const span = spanNamed(spans(), 'GET /sync')
  t.equal(span.kind, SpanKind.SERVER)
  t.match(span.attributes, {
    'http.request.method': 'GET',
    'http.route': '/sync',
    'url.path': '/sync?x=1',
    'http.response.status_code': 200
  })
  t.equal(span.status.code, SpanStatusCode.UNSET)
  t.equal(span.parentSpanContext, undefined, 'a root span: the request came without a traceparent')
  t.equal(span.resource.attributes['service.name'], 'async-service')
})

t.test('a route with a parameter names its span after the route, not the path', async (t) => {
  const { app, spans } = await traced(t)
  await app.inject('/tasks/00000000-0000-4000-8000-000000000000')
  t.match(spanNamed(spans(), 'GET /tasks/:id').attributes,
    { 'http.route': '/tasks/:id', 'http.response.status_code': 404 })
})

t.test('a path that matches no route gives a span named after its method alone', async (t) => {
  const { app, spans } = await traced(t)
  await app.inject('/nowhere')
  const span = spanNamed(spans(), 'GET')
  t.match(span.attributes, { 'url.path': '/nowhere', 'http.response.status_code': 404 })
  t.notOk('http.route' in span.attributes)
})

t.test('a 5xx marks its request span as failed; a 4xx does not', async (t) => {
  const { app, spans } = await traced(t, { env: { DEPENDENCY_FAILURE_RATE: '1' } })
  t.equal((await app.inject('/')).statusCode, 502)
  t.equal((await app.inject('/wait?seconds=-1')).statusCode, 400)
  t.equal(spanNamed(spans(), 'GET /').status.code, SpanStatusCode.ERROR)
  t.equal(spanNamed(spans(), 'GET /wait').status.code, SpanStatusCode.UNSET)
})

t.test('a request answered by the first hooks (load shed) has its span too: tracing comes first', async (t) => {
  const { app, spans } = await traced(t, { env: { MAX_HEAP_USED_BYTES: '1' } })
  // Once the heap has been measured (past a byte, as always).
  await until(() => app.isUnderPressure(), 20_000)
  t.equal((await app.inject('/sync')).statusCode, 503)
  const span = spanNamed(spans(), 'GET /sync')
  t.equal(span.attributes['http.response.status_code'], 503)
  t.equal(span.status.code, SpanStatusCode.ERROR)
})

t.test("a caller's traceparent is continued: same trace, the caller's span as parent", async (t) => {
  const { app, spans } = await traced(t)
  await app.inject({ url: '/sync', headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } })
  const span = spanNamed(spans(), 'GET /sync')
  t.equal(span.spanContext().traceId, CALLER_TRACE)
  t.equal(span.parentSpanContext?.spanId, CALLER_SPAN)
  t.equal(span.parentSpanContext?.isRemote, true)
})

t.test('a malformed traceparent starts a new trace', async (t) => {
  const { app, spans } = await traced(t)
  await app.inject({ url: '/sync', headers: { traceparent: 'not-a-trace' } })
  t.equal(spanNamed(spans(), 'GET /sync').parentSpanContext, undefined)
})

t.test('the access line, and every line of the request, carry its trace and span ids', async (t) => {
  const logLines: string[] = []
  const { app, spans } = await traced(t, { env: { LOG_LEVEL: 'info', DEPENDENCY_FAILURE_RATE: '1' }, logLines })
  await app.inject({ url: '/sync', headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } })
  await app.inject('/')
  const [sync, refused, failed] = logLines.map((line) => JSON.parse(line))
  t.match(sync, {
    msg: 'request completed',
    url: '/sync',
    traceId: CALLER_TRACE,
    spanId: spanNamed(spans(), 'GET /sync').spanContext().spanId
  })
  const { traceId, spanId } = spanNamed(spans(), 'GET /').spanContext()
  t.match(refused, { msg: 'request refused', statusCode: 502, traceId, spanId })
  t.match(failed, { msg: 'request completed', url: '/', statusCode: 502, traceId, spanId })
  t.equal(logLines.length, 3)
})

t.test('OTEL_SERVICE_NAME names the service on its spans', async (t) => {
  const { app, spans } = await traced(t, { env: { OTEL_SERVICE_NAME: 'checkout' } })
  await app.inject('/sync')
  t.equal(spanNamed(spans(), 'GET /sync').resource.attributes['service.name'], 'checkout')
})
