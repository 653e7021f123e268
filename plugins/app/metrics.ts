// Prometheus metrics: fastify-metrics times every request by method, route pattern and status; this app's own metrics
// (requests in flight here; dependency, CPU pool and tasks in their plugins) go to fastify.metricsRegistry, and the
// process's (event loop, heap, RSS, CPU) to one registry per process. GET /metrics (routes/metrics.ts) shows them all.
import { Gauge, Registry, collectDefaultMetrics } from '@prometheus-io/client'
import fp from 'fastify-plugin'
import fastifyMetricsModule from 'fastify-metrics'

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = fastifyMetricsModule.default

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

  await fastify.register(fastifyMetrics, {
    endpoint: null,
    defaultMetrics: { enabled: false },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      // Every method counts; a request no route matched counts under the route "unmatched", never its raw URL.
      methodBlacklist: [],
      registeredRoutesOnly: false,
      invalidRouteGroup: 'unmatched',
      overrides: {
        histogram: { name: 'http_request_duration_seconds', help: 'Time from a request to its answer', buckets: DURATION_BUCKETS, registers: [registry] },
        // Made even when off; registered nowhere, so that it does not take its name in the process-wide registry.
        summary: { registers: [] }
      }
    }
  })

  const { inFlight } = fastify
  // Read when scraped, from the count the app keeps anyway: nothing per request.
  new Gauge({ name: 'http_requests_in_flight', help: 'Requests received and not yet answered', registers: [registry], collect () { this.set(inFlight.count) } })
}, { name: 'metrics', dependencies: ['in-flight'] })
