// Prometheus metrics: every request timed by method, route pattern and status, and the requests in flight; with the
// app's other metrics (dependency, CPU pool and tasks, in their plugins) in fastify.metricsRegistry.
import { Gauge, Histogram, Registry, collectDefaultMetrics } from '@prometheus-io/client'
import fp from 'fastify-plugin'

/** Request durations, in seconds: from a fast answer to the longest wait the service allows. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the app's metrics are registered; `metricsRegistries` lists it with the process's, for /metrics. */
    metricsRegistry: Registry
    metricsRegistries: Registry[]
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
  fastify.decorate('metricsRegistry', registry)
  fastify.decorate('metricsRegistries', [processRegistry, registry])

  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request to its answer',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    registers: [registry]
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

  // Read when scraped, from the count the app keeps anyway: nothing per request.
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests received and not yet answered',
    registers: [registry],
    collect () { this.set(inFlight.count) }
  })
}, { name: 'metrics', dependencies: ['in-flight'] })
