// fastify.metrics: where the app's metrics are declared (each feature's in its plugin), and its own: every request
// timed by method, route pattern and status, and the requests in flight.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from '@prometheus-io/client'
import fp from 'fastify-plugin'

/** Request durations, in seconds: from a fast answer to the longest wait the service allows. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export interface AppMetrics {
  /** Where the app's metrics are registered, for a metric of a shape the two below do not make. */
  readonly registry: Registry
  /** The app's registry and the process's (event loop, heap, CPU), for /metrics. */
  readonly registries: readonly Registry[]
  counter: (name: string, help: string) => Counter
  /**
   * A counter with a series for each of `values` of its one label, each at 0 from the start: a rate over a series that
   * appears only on its first increment misses it.
   */
  countedBy: <Value extends string>(
    name: string, help: string, label: string, values: readonly Value[]
  ) => Record<Value, Counter.Internal>
  /** A gauge that `read` gives the value of when scraped, from what the app keeps anyway: nothing kept per event. */
  gauge: (name: string, help: string, read: () => number) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics
  }
}

/** The process's metrics, collected once however many apps the process builds (the tests build hundreds). */
let processRegistry: Registry | undefined

export default fp(async (fastify) => {
  const registry = new Registry()
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  const registers = [registry]
  const metrics: AppMetrics = {
    registry,
    registries: [processRegistry, registry],
    counter: (name, help) => new Counter({ name, help, registers }),
    countedBy (name, help, label, values) {
      const counter = new Counter({ name, help, labelNames: [label], registers })
      return Object.fromEntries(values.map((value) => {
        const series = counter.labels({ [label]: value })
        series.inc(0)
        return [value, series]
      })) as Record<(typeof values)[number], Counter.Internal>
    },
    gauge (name, help, read) {
      registry.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
    }
  }
  fastify.decorate('metrics', metrics)

  // The connection is one of plugins/external/, all registered before this; a test's bare app may have none.
  const redis = fastify.hasDecorator('redis') ? fastify.redis : undefined
  if (redis !== undefined) {
    metrics.gauge('redis_up', 'Whether this process counts on Redis now (1) or not (0): unreachable, or not answering',
      () => redis.up ? 1 : 0)
  }

  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request to its answer',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    registers
  })
  // One series per method, route and status, found again by a string rather than by hashing a labels object each time.
  const series = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>()

  const { inFlight } = fastify
  // Observed once the answer is sent, from the time Fastify keeps anyway: nothing held while a request waits. Every
  // method counts; a request no route matched counts under the route "unmatched", never its raw URL.
  inFlight.onEnd((reply, aborted) => {
    if (aborted) return
    const { method } = reply.request
    const route = reply.request.routeOptions.url ?? 'unmatched'
    const key = `${method} ${route} ${reply.statusCode}`
    let observed = series.get(key)
    if (observed === undefined) {
      series.set(key, (observed = durations.labels({ method, route, status_code: reply.statusCode })))
    }
    observed.observe(reply.elapsedTime / 1000)
  })

  metrics.gauge('http_requests_in_flight', 'Requests received and not yet answered', () => inFlight.count)
}, { name: 'metrics', dependencies: ['in-flight'] })
