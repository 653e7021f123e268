// fastify.cpuPool: counts on worker threads, as many as configured; a bounded queue; cancellation that frees a task's
// place and stops its thread; and its tasks ended with 503 at the shutdown's cut-off and when the app closes.
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import sensible from '@fastify/sensible'
import Fastify, { type FastifyInstance } from 'fastify'
import { Piscina } from 'piscina'
import t, { type Test } from 'tap'
import cpuPool from '../../../plugins/app/cpu.ts'
import inFlight from '../../../plugins/app/in-flight.ts'
import metrics from '../../../plugins/app/metrics.ts'
import shutdown from '../../../plugins/app/shutdown.ts'
import configPlugin from '../../../plugins/config.ts'
import { Cancellation } from '../../../src/http/cancellation.ts'
import { testConfig } from '../../helpers/app.ts'

// Worker threads start under the TypeScript loader, and some tests wait for a thread to be replaced: room for a busy
// machine.
t.setTimeout(120_000)

/** A count that would take years: a task still running, or still waiting, whenever it is looked at. */
const LONG = 1e15

const BUSY = {
  statusCode: 503,
  message: 'The CPU pool is busy: every thread is working and its queue is full',
  headers: { 'retry-after': '1' }
}
const SHUTTING_DOWN = { statusCode: 503, message: 'The service is shutting down', headers: { 'retry-after': '1' } }

/**
 * A bare Fastify with what the plugin needs (config, @fastify/sensible, the shutdown, metrics) and the plugin (or a
 * copy of it loaded with mocks), closed when the test ends.
 */
async function bare (t: Test, env: Record<string, string> = {}, plugin = cpuPool): Promise<FastifyInstance> {
  const fastify = Fastify()
  t.teardown(() => fastify.close())
  await fastify.register(configPlugin, {
    config: await testConfig({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '400', ...env })
  })
  await fastify.register(sensible)
  await fastify.register(shutdown)
  await fastify.register(inFlight)
  await fastify.register(metrics)
  await fastify.register(plugin)
  return fastify
}

/** Starts a count below `n` for a request of its own (a fresh cancellation unless given one). */
function count (fastify: FastifyInstance, n: number, cancellation = new Cancellation()): Promise<unknown> {
  const counting = fastify.cpuPool.countPrimes(n, cancellation)
  // Awaited by each test; marked handled here so a test that fails first leaves no unhandled rejection.
  counting.catch(() => {})
  return counting
}

t.test(
  'on a bare Fastify with what it needs, it decorates fastify.cpuPool, which counts the primes below n',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '0' })
    t.match(await fastify.cpuPool.countPrimes(1000, new Cancellation()), { primes: 168, ms: Number })
    t.equal((await fastify.cpuPool.countPrimes(100, new Cancellation())).primes, 25,
      'a finished task gives its place back')
    t.equal((await fastify.cpuPool.countPrimes(2, new Cancellation())).primes, 0)
    t.equal(fastify.cpuPool.queued, 0)
  }
)

t.test('its threads start with the first task, and stay: an app that does no CPU work starts none', async (t) => {
  let pools = 0
  class CountedPiscina extends Piscina {
    constructor (options: ConstructorParameters<typeof Piscina>[0]) {
      super(options)
      pools++
    }
  }
  const { default: plugin } = await t.mockImport<{ default: typeof cpuPool }>('../../../plugins/app/cpu.ts', {
    piscina: { Piscina: CountedPiscina }
  })
  const fastify = await bare(t, { CPU_POOL_THREADS: '1' }, plugin)
  await fastify.ready()
  t.equal(fastify.cpuPool.queued, 0)
  t.equal(pools, 0, 'no pool before the first task')
  await fastify.cpuPool.countPrimes(10, new Cancellation())
  await fastify.cpuPool.countPrimes(10, new Cancellation())
  t.equal(pools, 1, 'one, started by the first task and kept')
})

t.test('it declares that it needs config, @fastify/sensible, the shutdown and metrics', async (t) => {
  const config = await testConfig()
  const steps: Array<[string, (fastify: FastifyInstance) => Promise<unknown>]> = [
    ['config', async (fastify) => await fastify.register(configPlugin, { config })],
    ['@fastify/sensible', async (fastify) => await fastify.register(sensible)],
    ['shutdown', async (fastify) => await fastify.register(shutdown)],
    ['metrics', async (fastify) => { await fastify.register(inFlight); await fastify.register(metrics) }]
  ]
  for (const [index, [missing]] of steps.entries()) {
    const fastify = Fastify()
    t.teardown(() => fastify.close())
    for (const [, register] of steps.slice(0, index)) await register(fastify)
    await t.rejects(async () => { await fastify.register(cpuPool) }, {
      code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED',
      message: `The dependency '${missing}' of plugin 'cpu' is not registered`
    }, `without ${missing}`)
  }
})

t.test(
  'CPU_POOL_THREADS tasks run at once, CPU_MAX_QUEUE more wait, ' +
    'and past that a task is refused with 503 and Retry-After',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '2', CPU_MAX_QUEUE: '1' })
    const running = [count(fastify, LONG), count(fastify, LONG)]
    t.equal(fastify.cpuPool.queued, 0, 'two threads: two tasks, none waiting')
    const waiting = count(fastify, LONG)
    t.equal(fastify.cpuPool.queued, 1, 'a third waits')
    await t.rejects(count(fastify, LONG), BUSY, 'a fourth is refused')
    t.equal(fastify.cpuPool.queued, 1, 'and never queued')
    await fastify.close()
    for (const task of [...running, waiting]) await t.rejects(task, SHUTTING_DOWN)
  }
)

t.test(
  'CPU_POOL_THREADS=0 is one thread per core but one, at least one; any other value, that many whatever the cores',
  async (t) => {
    for (const [cores, setting, threads] of [[4, '0', 3], [2, '0', 1], [1, '0', 1], [4, '1', 1]] as const) {
      const { default: plugin } = await t.mockImport<{ default: typeof cpuPool }>('../../../plugins/app/cpu.ts', {
        'node:os': { ...os, availableParallelism: () => cores }
      })
      const fastify = await bare(t, { CPU_POOL_THREADS: setting, CPU_MAX_QUEUE: '1' }, plugin)
      for (let i = 0; i < threads; i++) count(fastify, LONG)
      t.equal(fastify.cpuPool.queued, 0, `${cores} cores, CPU_POOL_THREADS=${setting}: ${threads} running`)
      count(fastify, LONG)
      t.equal(fastify.cpuPool.queued, 1, 'one more waits')
      await t.rejects(count(fastify, LONG), BUSY)
      await fastify.close()
    }
  }
)

t.test('CPU_MAX_QUEUE=0: a task that finds every thread busy is refused at once, never queued', async (t) => {
  const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '0' })
  count(fastify, LONG)
  await t.rejects(count(fastify, LONG), BUSY)
  t.equal(fastify.cpuPool.queued, 0)
})

t.test(
  'a waiting task whose request is cancelled rejects with the reason and leaves the queue, its place free again',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1' })
    count(fastify, LONG)
    const cancellation = new Cancellation()
    const waiting = count(fastify, LONG, cancellation)
    t.equal(fastify.cpuPool.queued, 1)
    const reason = new Error('the client left')
    cancellation.cancel(reason)
    const error = await waiting.then(() => undefined, (error: unknown) => error)
    t.equal(error, reason, 'rejected with the reason itself')
    t.equal(fastify.cpuPool.queued, 0, 'out of the queue')
    count(fastify, LONG)
    t.equal(fastify.cpuPool.queued, 1, 'another task takes its place')
  }
)

t.test('a task cancelled before it starts is never queued', async (t) => {
  const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1' })
  const cancellation = new Cancellation()
  const reason = new Error('the deadline passed')
  cancellation.cancel(reason)
  const error = await count(fastify, 10, cancellation).then(() => undefined, (error: unknown) => error)
  t.equal(error, reason)
  t.equal(fastify.cpuPool.queued, 0)
})

t.test(
  'a running task whose request is cancelled rejects with the reason; its thread is stopped, ' +
    'and the waiting task goes on',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1' })
    // A thread that is up: the long count starts on it at once.
    await count(fastify, 10)
    const cancellation = new Cancellation()
    const running = count(fastify, LONG, cancellation)
    const waiting = count(fastify, 1000)
    t.equal(fastify.cpuPool.queued, 1)
    const reason = new Error('the client left')
    cancellation.cancel(reason)
    const error = await running.then(() => undefined, (error: unknown) => error)
    t.equal(error, reason)
    // Left running, the long count would hold the only thread for years.
    const started = performance.now()
    t.match(await waiting, { primes: 168 }, 'the waiting task ran, on a new thread')
    t.ok(performance.now() - started < 30_000, 'not after the long count')
  }
)

t.test(
  'a failure of the pool itself (here, a task that cannot be sent to a thread) is passed on as it is',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '0' })
    await t.rejects(count(fastify, Symbol('not a number') as unknown as number), { name: 'DataCloneError' })
    t.match(await count(fastify, 10), { primes: 4 }, 'and its place is free again')
  }
)

t.test(
  'closing the app ends running and waiting tasks with 503 and Retry-After; a task after that is refused the same way',
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1' })
    const running = count(fastify, LONG)
    const waiting = count(fastify, LONG)
    await fastify.close()
    await t.rejects(running, SHUTTING_DOWN)
    await t.rejects(waiting, SHUTTING_DOWN)
    await t.rejects(count(fastify, 10), SHUTTING_DOWN)
    t.equal(fastify.cpuPool.queued, 0)
  }
)

t.test(
  "at the shutdown's cut-off, shortly before the timeout, its tasks are ended with 503 and Retry-After",
  async (t) => {
    const fastify = await bare(t, { CPU_POOL_THREADS: '1', CPU_MAX_QUEUE: '1' })
    // Holds the close past the cut-off, as connections still draining would: the tasks must not wait for the close.
    let drained = false
    fastify.addHook('preClose', async () => {
      await sleep(1500)
      drained = true
    })
    const running = count(fastify, LONG)
    const waiting = count(fastify, LONG)
    const stopping = fastify.shutdown.stop()
    await t.rejects(running, SHUTTING_DOWN)
    await t.rejects(waiting, SHUTTING_DOWN)
    t.equal(drained, false, 'ended at the cut-off, while connections were still draining')
    await stopping
  }
)
