// fastify.dependency: the slow dependency the routes call, the simulator, the HTTP client (DEPENDENCY_URL) or
// PostgreSQL (DATABASE_URL), with its failures turned into HTTP answers and its calls counted (and traced, when tracing
// is on).
import fp from 'fastify-plugin'
import { Histogram } from '@prometheus-io/client'
import type { Cancellation } from '../../src/http/cancellation.ts'
import { DependencyError, type DependencyAnswer, type DependencyQuery } from '../../src/dependency/port.ts'
import { retryLater, shuttingDown } from '../../src/http/errors.ts'
import { createDependency } from '../../src/dependency/index.ts'
import type { CallSpan } from '../../src/tracing/tracing.ts'

/** How a call ended, as dependency_calls_total counts it. */
type Outcome = 'ok' | 'failed' | 'timed_out' | 'cancelled' | 'rejected'

export interface DependencyService {
  /**
   * Calls the dependency for the request (or task) whose cancellation is given. Rejects with an HTTP error: 502 when
   * it failed or cannot be reached, 504 when it was too slow or the deadline passed, 503 with Retry-After when no
   * connection was free in time or the service is stopping.
   */
  call: (query: DependencyQuery, cancellation?: Cancellation) => Promise<DependencyAnswer>
  /** Calls holding a connection. */
  readonly inFlight: number
  /** Calls waiting for a connection. */
  readonly queued: number
  /** With DATABASE_URL, whether the last call could reach PostgreSQL, none lost since; undefined otherwise. */
  readonly reachable?: boolean | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    dependency: DependencyService
  }
}

export default fp(async (fastify) => {
  // Undefined with tracing off, and on a Fastify without the app's tracing plugin (which the app registers first).
  const { config, httpErrors, tracing } = fastify
  // Each request to a real upstream names its call's span in a traceparent: the upstream's spans join the trace.
  const client = await createDependency(config, {
    ...(tracing === undefined ? {} : { headers: tracing.headers }),
    onConnectionLost: (error) => { fastify.log.warn({ err: error }, 'a database connection was lost') }
  })

  const { metrics } = fastify
  const OUTCOMES: Outcome[] = ['ok', 'failed', 'timed_out', 'cancelled', 'rejected']
  const calls = metrics.countedBy('dependency_calls_total', 'Dependency calls, by how they ended', 'outcome', OUTCOMES)
  const durations = new Histogram({
    name: 'dependency_call_duration_seconds',
    help: 'Time from a dependency call to its end, waiting for a connection included',
    labelNames: ['outcome'],
    registers: [metrics.registry]
  })
  const timed = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, durations.labels({ outcome })])) as
    Record<Outcome, Histogram.Internal<'outcome'>>
  metrics.gauge('dependency_calls_in_flight', 'Dependency calls holding a connection', () => client.inFlight)
  metrics.gauge('dependency_pool_queue_length', 'Dependency calls waiting for a connection', () => client.queued)
  if (client.idle !== undefined) {
    metrics.gauge('dependency_connections_idle', 'Database connections open and waiting for a call',
      () => client.idle as number)
  }

  /** Counts a call that ended, and ends its span: failed, unless it was cancelled for its request (or the service). */
  function record (outcome: Outcome, startedAt: number, span?: CallSpan, error?: unknown): void {
    calls[outcome].inc()
    timed[outcome].observe((performance.now() - startedAt) / 1000)
    span?.end(outcome, outcome === 'ok' || outcome === 'cancelled' ? undefined : error as Error)
  }

  /** The outcome a failed call counts as, and the HTTP error it answers with. */
  function failure (error: unknown): [Outcome, unknown] {
    if (error instanceof DependencyError) {
      switch (error.failure) {
        case 'failed': return ['failed', httpErrors.badGateway(`The dependency failed: ${error.message}`)]
        case 'timed_out':
          return ['timed_out', httpErrors.gatewayTimeout(`The dependency was too slow: ${error.message}`)]
        case 'rejected': return ['rejected', retryLater(`The dependency is busy: ${error.message}`)]
      }
    }
    // Cancelled, with an HTTP error as the reason: the deadline passed (504), the client left or the service is
    // stopping.
    const statusCode = (error as { statusCode?: number }).statusCode
    if (statusCode === undefined) return ['failed', error]
    return [statusCode === 504 ? 'timed_out' : 'cancelled', error]
  }

  fastify.decorate('dependency', {
    // then() rather than an async function, which would keep its frame and a promise more for every call in flight.
    call (query, cancellation) {
      const startedAt = performance.now()
      const span = tracing?.startCall(query.latencyMs, client.span)
      const calling = span === undefined
        ? client.call(query, cancellation)
        : span.run(() => client.call(query, cancellation))
      return calling.then((answer) => {
        record('ok', startedAt, span)
        return answer
      }, (error: unknown) => {
        const [outcome, answer] = failure(error)
        record(outcome, startedAt, span, answer)
        throw answer
      })
    },
    get inFlight () { return client.inFlight },
    get queued () { return client.queued },
    get reachable () { return client.reachable }
  } satisfies DependencyService)

  fastify.shutdown.cutOff.addEventListener('abort', () => { client.cancelAll(shuttingDown()) })
  fastify.addHook('onClose', async () => {
    client.cancelAll(shuttingDown())
    await client.close()
  })
}, { name: 'dependency', dependencies: ['@fastify/sensible', 'shutdown', 'metrics'] })
