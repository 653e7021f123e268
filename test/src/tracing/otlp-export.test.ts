// Spans sent over OTLP/HTTP: protobuf POSTs to the collector's /v1/traces, and a log line when sending starts failing
// and one when it works again.
import { TracerProvider } from '@opentelemetry/sdk-trace'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { otlpSpanProcessor } from '../../../src/tracing/otlp-export.ts'
import { serve } from '../../helpers/upstream.ts'

interface Posted { url: string, contentType: string | undefined, body: Buffer }

/** A collector that answers each POST with the next of `statuses` (the last one for ever after). */
async function collector (t: Test, statuses: number[]): Promise<{ origin: string, posted: Posted[] }> {
  const posted: Posted[] = []
  const { origin } = await serve(t, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      posted.push({ url: request.url ?? '', contentType: request.headers['content-type'], body: Buffer.concat(chunks) })
      response.statusCode = statuses[Math.min(posted.length, statuses.length) - 1] ?? 200
      response.end()
    })
  })
  return { origin, posted }
}

/** Ends a span named `name`, and flushes; a flush whose export failed rejects, which the log line tells here. */
async function send (provider: TracerProvider, name: string): Promise<void> {
  provider.getTracer('test').startSpan(name).end()
  await provider.forceFlush().catch(() => {})
}

t.test('spans go to <endpoint>/v1/traces as protobuf; a failure is logged once, and the recovery', async (t) => {
  const { origin, posted } = await collector(t, [400, 400, 200])
  const logLines: string[] = []
  const { log } = Fastify({ logger: { stream: { write: (line: string) => { logLines.push(line) } } } })
  const provider = new TracerProvider({ spanProcessors: [otlpSpanProcessor(`${origin}/otel/`, log)] })
  t.teardown(() => provider.shutdown())
  await send(provider, 'first-span')
  await send(provider, 'second-span')
  const lines = (): unknown[] => logLines.map((line) => JSON.parse(line))
  t.match(lines(), [{
    level: 40,
    msg: 'trace export failing: spans are dropped until it works again',
    spans: 1,
    err: { message: 'Bad Request', code: 400 }
  }], 'one line while it fails')
  await send(provider, 'third-span')
  t.match(lines(), [{ level: 40 }, { level: 30, msg: 'trace export working again' }])
  t.equal(logLines.length, 2)
  t.same(posted.map((post) => post.url), ['/otel/v1/traces', '/otel/v1/traces', '/otel/v1/traces'],
    'under the endpoint\'s path, one slash between')
  t.equal(posted[2]?.contentType, 'application/x-protobuf')
  t.ok(posted[2]?.body.includes('third-span'), 'the span, in the body')
})
