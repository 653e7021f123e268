// Caps on event streams: a client that holds LIVE_MAX_STREAMS_PER_CLIENT is refused 429 and others go on, the process
// at LIVE_MAX_STREAMS refuses everyone 503, each with Retry-After and counted; a stream that closes gives its place
// back; HEAD holds nothing; the client is the address TRUST_PROXY gives; under pressure a stream is shed.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build } from '../../helpers/app.ts'
import { metric } from '../../helpers/metrics.ts'
import { openEventStream, type EventStreamClient } from '../../helpers/event-stream-client.ts'
import { until } from '../../helpers/upstream.ts'

async function serve (t: Test, env: Record<string, string>): Promise<{ fastify: FastifyInstance, port: number }> {
  const fastify = await build(t, { env: { LIVE_INTERVAL_MS: '50', LIVE_CALL_LATENCY_MS: '5', ...env } })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return { fastify, port: (fastify.server.address() as { port: number }).port }
}

async function opened (t: Test, port: number, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const stream = await openEventStream(port, headers)
  t.teardown(stream.close)
  t.equal(stream.response.statusCode, 200)
  return stream
}

/** GET /events by inject, as a client at 127.0.0.1 would, with `headers`. */
async function refused (fastify: FastifyInstance, headers: Record<string, string> = {}) {
  return await fastify.inject({ url: '/events', headers: { accept: 'text/event-stream', ...headers } })
}

t.test('a client at its cap gets 429 with Retry-After, counted; a stream it closes gives its place back', async (t) => {
  const { fastify, port } = await serve(t, { LIVE_MAX_STREAMS_PER_CLIENT: '2' })
  t.equal(await metric(fastify, 'live_streams_refused_total{reason="per_client"}'), 0, 'counted from 0')
  const first = await opened(t, port)
  await opened(t, port)
  const response = await refused(fastify)
  t.equal(response.statusCode, 429)
  t.equal(response.headers['retry-after'], '5')
  t.same(response.json(), {
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'This client holds 2 event streams, the most one client may'
  })
  t.equal(await metric(fastify, 'live_streams_refused_total{reason="per_client"}'), 1)
  t.equal((await fastify.inject({ method: 'HEAD', url: '/events' })).statusCode, 200, 'HEAD holds nothing')
  first.close()
  await until(() => fastify.live.count === 1, 20_000)
  await opened(t, port)
})

t.test('the process at LIVE_MAX_STREAMS refuses everyone with 503 and Retry-After, counted', async (t) => {
  const { fastify, port } = await serve(t, { LIVE_MAX_STREAMS: '1', LIVE_MAX_STREAMS_PER_CLIENT: '0' })
  await opened(t, port)
  const response = await refused(fastify)
  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '1')
  t.equal(response.json().message, 'The service holds 1 event streams, the most it may')
  t.equal(await metric(fastify, 'live_streams_refused_total{reason="total"}'), 1)
})

t.test('behind a trusted proxy, each forwarded address is a client of its own', async (t) => {
  const { fastify, port } = await serve(t, { LIVE_MAX_STREAMS_PER_CLIENT: '1', TRUST_PROXY: '127.0.0.1' })
  await opened(t, port, { 'x-forwarded-for': '203.0.113.1' })
  await opened(t, port, { 'x-forwarded-for': '203.0.113.2' })
  t.equal((await refused(fastify, { 'x-forwarded-for': '203.0.113.1' })).statusCode, 429)
})

t.test('under pressure, a new stream is shed, as every other request is', async (t) => {
  const { fastify } = await serve(t, { MAX_HEAP_USED_BYTES: '1' })
  while (!fastify.isUnderPressure()) await new Promise((resolve) => setTimeout(resolve, 50))
  const response = await refused(fastify)
  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '10')
})
