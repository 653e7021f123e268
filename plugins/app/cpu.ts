// fastify.cpuPool: CPU work (counting primes) on a pool of worker threads, so that the event loop stays free for other
// requests.
import { availableParallelism } from 'node:os'
import { extname, join } from 'node:path'
import fp from 'fastify-plugin'
import { Piscina } from 'piscina'
import type { Cancellation } from '../../src/http/cancellation.ts'
import type { PrimeCount } from '../../src/cpu/primes.ts'
import { retryLater, shuttingDown } from '../../src/http/errors.ts'

// The worker's module, of the same kind as this one: .ts from the sources (the threads inherit the TypeScript loader
// through execArgv), .js from dist/.
const WORKER = join(import.meta.dirname, '..', '..', 'src', 'cpu', `primes-worker${extname(import.meta.filename)}`)

export interface CpuPool {
  /**
   * Counts the primes below `n` on a worker thread, for the request whose cancellation is given. Rejects with 503 and
   * Retry-After when the queue is full or the service is stopping, or with the cancellation's reason once cancelled.
   */
  countPrimes: (n: number, cancellation: Cancellation) => Promise<PrimeCount>
  /** Tasks waiting for a thread. */
  readonly queued: number
}

declare module 'fastify' {
  interface FastifyInstance {
    cpuPool: CpuPool
  }
}

export default fp(async (fastify) => {
  const { config } = fastify
  const threads = config.CPU_POOL_THREADS === 0 ? Math.max(availableParallelism() - 1, 1) : config.CPU_POOL_THREADS
  // Every thread starts with the first task, and stays: an app that does no CPU work (most apps the tests build) starts
  // none. A thread stopped with its task is replaced at once, so the tasks waiting go on (with fewer threads kept,
  // they would wait for the next task to start one).
  let pool: Piscina<number, PrimeCount> | undefined
  const threadPool = (): Piscina<number, PrimeCount> => (pool ??= new Piscina({
    filename: WORKER,
    minThreads: threads,
    maxThreads: threads
  }))
  const queued = (): number => pool?.queueSize ?? 0
  // Piscina's own maxQueue holds only for tasks run without an AbortSignal (the others wait in a queue it does not
  // bound), so the bound is kept here: at most `threads` tasks running and CPU_MAX_QUEUE waiting.
  const capacity = threads + config.CPU_MAX_QUEUE
  let admitted = 0
  let stopped: Promise<void> | undefined

  fastify.metrics.gauge('cpu_pool_queue_length', 'CPU tasks waiting for a worker thread', queued)

  fastify.decorate('cpuPool', {
    async countPrimes (n, cancellation) {
      if (stopped !== undefined) throw shuttingDown()
      if (admitted >= capacity) {
        throw retryLater('The CPU pool is busy: every thread is working and its queue is full')
      }
      admitted++
      try {
        // Aborted, piscina takes the task out of its queue, or stops the thread that runs it (and starts another).
        return await threadPool().run(n, { signal: cancellation.signal }).catch((error: unknown) => {
          // Piscina's AbortError wraps the reason; the answer is the reason itself (504 past the deadline).
          throw cancellation.reason ?? (stopped === undefined ? error : shuttingDown())
        })
      } finally {
        admitted--
      }
    },
    get queued () { return queued() }
  } satisfies CpuPool)

  // At the shutdown's cut-off or when the app closes, whichever comes first: every task, queued or running, and every
  // thread ended; the tasks' requests are answered 503.
  const stop = (): Promise<void> => (stopped ??= pool?.destroy() ?? Promise.resolve())
  fastify.shutdown.cutOff.addEventListener('abort', () => { void stop() })
  fastify.addHook('onClose', async () => { await stop() })
}, { name: 'cpu', dependencies: ['config', '@fastify/sensible', 'shutdown', 'metrics'] })
