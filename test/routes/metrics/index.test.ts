// GET /metrics: Prometheus text with request durations by route pattern, requests and dependency calls in flight, calls
// by outcome, the pool's queue, and the process's own metrics; out of the access log; one app's apart from another's.
import t from 'tap'
import { build } from '../../helpers/app.ts'

/** The value of one sample in Prometheus text, by its name and labels as written. */
function sample (metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((line) => line.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('Prometheus text, with request durations labelled by method, route pattern and status', async (t) => {
  const fastify = await build(t)
  await fastify.inject('/sync')
  await fastify.inject('/sync')
  await fastify.inject('/wait?seconds=0.01')
  await fastify.inject({ method: 'HEAD', url: '/sync' })
  await fastify.inject('/no/such/path?secret=1')
  const response = await fastify.inject('/metrics')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const metrics = response.body
  t.match(metrics, /^# TYPE http_request_duration_seconds histogram$/m)
  t.equal(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="/sync",status_code="200"}'), 2)
  t.equal(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="/wait",status_code="200"}'), 1)
  t.equal(sample(metrics, 'http_request_duration_seconds_count{method="HEAD",route="/sync",status_code="200"}'), 1)
  t.equal(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'), 1,
    'an unknown path under one label')
  t.equal(
    sample(metrics, 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/wait",status_code="200"}'),
    0,
    'the 10 ms wait is over 5 ms'
  )
  t.equal(
    sample(metrics, 'http_request_duration_seconds_bucket{le="60",method="GET",route="/wait",status_code="200"}'),
    1
  )
  t.notMatch(metrics, /seconds=|secret|no\/such/, 'never a raw URL')
  t.notMatch(metrics, /http_request_summary_seconds/, 'no summary besides the histogram')
})

t.test("the dependency's calls by outcome, in flight and queued", async (t) => {
  const failing = await build(t, { env: { DEPENDENCY_FAILURE_RATE: '1' } })
  await failing.inject('/wait?seconds=0')
  const fastify = await build(t, {
    env: { DEPENDENCY_POOL_SIZE: '1', DEPENDENCY_QUEUE_TIMEOUT_MS: '50', REQUEST_DEADLINE_MS: '1000' }
  })
  const holding = fastify.inject('/wait?seconds=3')
  const queued = fastify.inject('/wait?seconds=0')
  while (fastify.dependency.queued === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const during = (await fastify.inject('/metrics')).body
  t.equal(sample(during, 'dependency_calls_in_flight'), 1)
  t.equal(sample(during, 'dependency_pool_queue_length'), 1)
  const rejected = await queued
  t.equal(rejected.statusCode, 503, 'no connection free within 50 ms')
  t.equal(rejected.headers['retry-after'], '1')
  t.same(rejected.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'The dependency is busy: no connection to the dependency was free within 50 ms'
  })
  t.equal((await holding).statusCode, 504, 'past the 1 s deadline')
  await fastify.inject('/wait?seconds=0')
  const after = (await fastify.inject('/metrics')).body
  t.equal(sample(after, 'dependency_calls_total{outcome="ok"}'), 1)
  t.equal(sample(after, 'dependency_calls_total{outcome="rejected"}'), 1)
  t.equal(sample(after, 'dependency_calls_total{outcome="timed_out"}'), 1)
  t.equal(sample(after, 'dependency_calls_total{outcome="failed"}'), 0, "the other app's failure is not counted here")
  t.equal(sample(after, 'dependency_call_duration_seconds_count{outcome="timed_out"}'), 1)
  t.equal(sample(after, 'dependency_calls_in_flight'), 0)
  t.equal(sample(after, 'dependency_pool_queue_length'), 0)
  t.equal(sample((await failing.inject('/metrics')).body, 'dependency_calls_total{outcome="failed"}'), 1)
})

t.test("the process's metrics: event loop lag and utilization, heap, resident memory, CPU", async (t) => {
  const fastify = await build(t)
  const metrics = (await fastify.inject('/metrics')).body
  for (const name of [
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_utilization_histogram',
    'nodejs_heap_size_used_bytes',
    'process_resident_memory_bytes',
    'process_cpu_seconds_total'
  ]) {
    t.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name)
  }
  t.ok((sample(metrics, 'process_resident_memory_bytes') ?? 0) > 1_000_000, 'a real figure')
})

t.test('/metrics writes no access line at info, and answers under pressure', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  t.equal((await fastify.inject('/metrics')).statusCode, 200)
  t.same(logLines, [])
  await fastify.inject('/sync')
  t.equal(logLines.length, 1, 'other routes still log')
  const pressed = await build(t, { env: { MAX_RSS_BYTES: '1' } })
  while (!pressed.isUnderPressure()) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await pressed.inject('/sync')).statusCode, 503, 'other routes are shed')
  t.equal((await pressed.inject('/metrics')).statusCode, 200)
})
