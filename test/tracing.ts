// Builds the real app with tracing on, its spans kept in memory (OpenTelemetry's in-memory exporter) for the test to read.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Test } from 'tap'
import app from '../src/app.js'
import { serverOptions } from '../src/server-options.js'
import { testConfig } from './helper.js'

export interface Traced {
  app: FastifyInstance
  /** The spans ended so far, in the order they ended. */
  spans: () => ReadableSpan[]
}

/** The app with tracing on (test config, `env` over it; log lines into `logLines`), closed when the test ends. */
export async function traced (t: Test, { env, logLines }: { env?: Record<string, string>, logLines?: string[] } = {}): Promise<Traced> {
  const config = await testConfig(env)
  const stream = logLines === undefined ? undefined : { write: (line: string) => { logLines.push(line) } }
  const fastify = Fastify(serverOptions(config, stream))
  const exporter = new InMemorySpanExporter()
  // Each span handed over as it ends, not in batches: a test reads them at once.
  await fastify.register(fp(app), { config, spanProcessor: new SimpleSpanProcessor({ exporter }) })
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
