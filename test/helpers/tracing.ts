// Builds the real app with tracing on, its spans kept in memory (OpenTelemetry's in-memory exporter) for the test to
// read.
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Test } from 'tap'
import app from '../../src/app.ts'
import { serverOptions } from '../../src/server/options.ts'
import { testConfig } from './app.ts'
import { until } from './upstream.ts'

export interface Traced {
  app: FastifyInstance
  /** The spans ended so far, in the order they ended. */
  spans: () => ReadableSpan[]
}

/** The app with tracing on (test config, `env` over it; log lines into `logLines`), closed when the test ends. */
export async function traced (
  t: Test,
  { env, logLines, extend }: {
    env?: Record<string, string>
    logLines?: string[]
    /** Adds routes next to the app's, before it is ready. */
    extend?: (fastify: FastifyInstance) => void
  } = {}
): Promise<Traced> {
  const config = await testConfig(env)
  const stream = logLines === undefined ? undefined : { write: (line: string) => { logLines.push(line) } }
  const fastify = Fastify(serverOptions(config, stream))
  const exporter = new InMemorySpanExporter()
  // Each span handed over as it ends, not in batches: a test reads them at once.
  await fastify.register(fp(app), { config, spanProcessor: new SimpleSpanProcessor({ exporter }) })
  extend?.(fastify)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return { app: fastify, spans: () => exporter.getFinishedSpans() }
}

/** The span named `name`; fails the test's expectation with the names there are when there is none. */
export function spanNamed (spans: ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((span) => span.name === name)
  if (span === undefined) throw new Error(`no span named ${name}, only ${spans.map((span) => span.name).join(', ')}`)
  return span
}

/**
 * The app with tracing on, after a client asked GET / (its dependency call of 10 s in flight) and left; resolves once
 * the span named `name` has ended, with the spans.
 */
export async function abandonedRootRequest (t: Test, name: string): Promise<ReadableSpan[]> {
  const { app, spans } = await traced(t, { env: { ROOT_DELAY_MS: '10000' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const request = get({ host: '127.0.0.1', port: (app.server.address() as AddressInfo).port, path: '/' })
  request.on('error', () => {})
  await until(() => app.dependency.inFlight === 1, 20_000)
  request.destroy()
  await until(() => spans().some((span) => span.name === name), 20_000)
  return spans()
}
