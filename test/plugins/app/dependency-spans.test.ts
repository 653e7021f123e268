// Tracing on: a span per dependency call, a child of its request's, with how the call ended; over HTTP, the call's
// traceparent goes to the upstream, and two instances of the service chained make one trace.
import { once } from 'node:events'
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import t from 'tap'
import { openEventStream } from '../../helpers/event-stream-client.ts'
import { postgresServer } from '../../helpers/postgres-server.ts'
import { abandonedRootRequest, spanNamed, traced } from '../../helpers/tracing.ts'
import { serve, until } from '../../helpers/upstream.ts'

t.setTimeout(60_000)

t.test('a call has a client span, a child of its request\'s, with outcome ok', async (t) => {
  const { app, spans } = await traced(t)
  t.equal((await app.inject('/')).statusCode, 200)
  const request = spanNamed(spans(), 'GET /')
  const call = spanNamed(spans(), 'dependency call')
  t.equal(call.kind, SpanKind.CLIENT)
  t.same(call.attributes, { 'dependency.latency_ms': 50, 'dependency.outcome': 'ok' })
  t.equal(call.status.code, SpanStatusCode.UNSET)
  t.equal(call.spanContext().traceId, request.spanContext().traceId)
  t.equal(call.parentSpanContext?.spanId, request.spanContext().spanId)
})

t.test('with DATABASE_URL a call\'s span is the query\'s, named and described as the database conventions say',
  async (t) => {
    const postgres = await postgresServer(t)
    const { app, spans } = await traced(t, { env: { DATABASE_URL: postgres.url } })
    t.equal((await app.inject('/')).statusCode, 200)
    const call = spanNamed(spans(), 'SELECT postgres')
    t.equal(call.kind, SpanKind.CLIENT)
    t.same(call.attributes, {
      'db.system': 'postgresql',
      'db.operation': 'SELECT',
      'db.namespace': 'postgres',
      'server.address': '127.0.0.1',
      'server.port': postgres.port,
      'dependency.latency_ms': 50,
      'dependency.outcome': 'ok'
    })
    t.equal(call.parentSpanContext?.spanId, spanNamed(spans(), 'GET /').spanContext().spanId)
  })

t.test('a call that fails: outcome failed, the span marked failed with the reason', async (t) => {
  const { app, spans } = await traced(t, { env: { DEPENDENCY_FAILURE_RATE: '1' } })
  t.equal((await app.inject('/')).statusCode, 502)
  const call = spanNamed(spans(), 'dependency call')
  t.equal(call.attributes['dependency.outcome'], 'failed')
  t.same(call.status, { code: SpanStatusCode.ERROR, message: 'The dependency failed: the dependency failed' })
})

t.test('a call cut by the request\'s deadline: outcome timed_out, marked failed', async (t) => {
  const { app, spans } = await traced(t, { env: { REQUEST_DEADLINE_MS: '100' } })
  t.equal((await app.inject('/wait?seconds=5')).statusCode, 504)
  const call = spanNamed(spans(), 'dependency call')
  t.equal(call.attributes['dependency.outcome'], 'timed_out')
  t.equal(call.status.code, SpanStatusCode.ERROR)
})

t.test('a call cancelled because its client left: outcome cancelled, not marked failed', async (t) => {
  const call = spanNamed(await abandonedRootRequest(t, 'dependency call'), 'dependency call')
  t.equal(call.attributes['dependency.outcome'], 'cancelled')
  t.equal(call.status.code, SpanStatusCode.UNSET)
})

t.test(
  'the call of a task posted with a body is a child of the request that posted it, the body arriving late',
  async (t) => {
    const { app, spans } = await traced(t)
    await app.listen({ host: '127.0.0.1', port: 0 })
    const body = JSON.stringify({ latencyMs: 10 })
    const post = request({
      host: '127.0.0.1',
      port: (app.server.address() as AddressInfo).port,
      method: 'POST',
      path: '/tasks',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    })
    // The head first, the body a moment later: the handler runs where the body was read, long after the request's
    // hooks.
    const answered = once(post, 'response')
    post.flushHeaders()
    await sleep(100)
    post.end(body)
    const [response] = await answered as [IncomingMessage]
    response.resume()
    t.equal(response.statusCode, 202)
    await until(() => spans().some((span) => span.name === 'dependency call'), 20_000)
    t.equal(spanNamed(spans(), 'dependency call').parentSpanContext?.spanId,
      spanNamed(spans(), 'POST /tasks').spanContext().spanId)
  }
)

t.test('the live feed\'s calls start traces of their own, not that of the stream that started the feed', async (t) => {
  const { app, spans } = await traced(t, { env: { LIVE_INTERVAL_MS: '20', LIVE_CALL_LATENCY_MS: '5' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const stream = await openEventStream((app.server.address() as AddressInfo).port)
  for (let updates = 0; updates < 2;) if ((await stream.next()).event === 'update') updates++
  stream.close()
  const streamTrace = spanNamed(spans(), 'GET /events').spanContext().traceId
  const calls = spans().filter((span) => span.name === 'dependency call')
  t.ok(calls.length >= 2)
  for (const call of calls) {
    t.equal(call.parentSpanContext, undefined, 'a root span')
    t.not(call.spanContext().traceId, streamTrace)
  }
})

t.test('over HTTP, each call sends its span as the traceparent', async (t) => {
  const received: IncomingHttpHeaders[] = []
  const upstream = await serve(t, (request, response) => {
    received.push(request.headers)
    response.end('ok')
  })
  const { app, spans } = await traced(t, { env: { DEPENDENCY_URL: upstream.origin } })
  t.equal((await app.inject('/')).statusCode, 200)
  const call = spanNamed(spans(), 'dependency call')
  t.equal(received[0]?.traceparent, `00-${call.spanContext().traceId}-${call.spanContext().spanId}-01`)
})

t.test('two instances chained through DEPENDENCY_URL make one trace', async (t) => {
  const upstream = await traced(t)
  await upstream.app.listen({ host: '127.0.0.1', port: 0 })
  const { app, spans } = await traced(t, { env: { DEPENDENCY_URL: `http://127.0.0.1:${(upstream.app.server.address() as AddressInfo).port}` } })
  t.equal((await app.inject('/')).statusCode, 200)
  const request = spanNamed(spans(), 'GET /')
  const call = spanNamed(spans(), 'dependency call')
  const served = spanNamed(upstream.spans(), 'GET /wait')
  t.equal(served.spanContext().traceId, request.spanContext().traceId, 'the upstream\'s span is in the caller\'s trace')
  t.equal(served.parentSpanContext?.spanId, call.spanContext().spanId, 'under the call that asked for it')
  t.equal(spanNamed(upstream.spans(), 'dependency call').parentSpanContext?.spanId, served.spanContext().spanId,
    'and the upstream\'s own call under it')
})
