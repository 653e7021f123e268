// The stop that loses no request: readiness off at once, serving on while load balancers catch up, then drain and
// close. Streams and sockets that outlive a request join it through fastify.shutdown.draining.
import { Server as NetServer } from 'node:net'
import fp from 'fastify-plugin'
import { cutOffAfter, firstSweepIn, quietOrDelay } from '../../src/server/stop-timing.ts'

/**
 * Once the server stops accepting, how long a connection that has not begun a request gets to begin one: it was
 * accepted a moment ago and its request is on its way, or it sits idle between keep-alive requests.
 */
const FIRST_REQUEST_GRACE_MS = 1000

export interface Shutdown {
  /** True from the start of the stop: /ready answers 503 and every response asks its client to close the connection. */
  readonly stopping: boolean
  /** Aborts when the server stops accepting: a stream or socket that outlives its request ends itself here. */
  readonly draining: AbortSignal
  /** Aborts shortly before the shutdown timeout: work still waiting is cancelled, so its request is answered 503. */
  readonly cutOff: AbortSignal
  /**
   * The whole sequence: stopping at once; serving on until nothing has come for SHUTDOWN_QUIET_MS, SHUTDOWN_DELAY_MS at
   * most; then no new connections, every request held answered, idle connections closed, the app closed. Resolves
   * when all that is done; calling it again changes nothing.
   */
  stop: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: Shutdown
  }
}

export default fp(async (fastify) => {
  const { SHUTDOWN_DELAY_MS, SHUTDOWN_QUIET_MS, SHUTDOWN_TIMEOUT_MS } = fastify.config
  const draining = new AbortController()
  const cutOff = new AbortController()
  let stopping = false
  let stopped: Promise<void> | undefined

  // When the stop began, or a connection or a request last came during it (nothing before it is noted): once none has
  // for a quiet moment, whoever sends has stopped sending.
  let lastArrival = 0
  const arrived = (): void => { lastArrival = performance.now() }
  // Watched from the stop on only: nothing to do for each request before.
  const watchArrivals = (watch: boolean): void => {
    for (const event of ['connection', 'request']) {
      if (watch) fastify.server.on(event, arrived)
      else fastify.server.off(event, arrived)
    }
  }
  fastify.addHook('onClose', async () => { watchArrivals(false) })

  async function run (): Promise<void> {
    stopping = true
    arrived()
    watchArrivals(true)
    fastify.log.info({ delayMs: SHUTDOWN_DELAY_MS, quietMs: SHUTDOWN_QUIET_MS },
      'stopping: /ready answers 503, serving on until nothing has come for the quiet time, or the delay ends')
    // The delay ends early if the app is closed meanwhile, by another path.
    const ended = await quietOrDelay(SHUTDOWN_QUIET_MS, SHUTDOWN_DELAY_MS, () => lastArrival, draining.signal)
    if (ended !== 'aborted') fastify.log.info({ ended }, 'serving ended')
    const timer = SHUTDOWN_TIMEOUT_MS === 0
      ? undefined
      : setTimeout(() => { cutOff.abort() }, cutOffAfter(SHUTDOWN_TIMEOUT_MS))
    try {
      await fastify.close()
    } finally {
      clearTimeout(timer)
    }
  }

  fastify.decorate('shutdown', {
    get stopping () { return stopping },
    draining: draining.signal,
    cutOff: cutOff.signal,
    stop: () => (stopped ??= run())
  } satisfies Shutdown)

  // Runs before Fastify closes the server, and holds it until every connection has closed: Fastify's own close of an
  // http.Server first closes every connection that has not begun a request, and on Node 26 that includes one accepted a
  // moment ago whose request is still on its way (nodejs/node#63470). net.Server's close only stops accepting.
  fastify.addHook('preClose', async () => {
    stopping = true
    const server = fastify.server
    const closed = server.listening
      ? new Promise<void>((resolve) => { NetServer.prototype.close.call(server, () => { resolve() }) })
      : undefined
    draining.abort()
    if (closed === undefined) return
    fastify.log.info('draining: no new connections; answering the requests held')
    // Every response now carries Connection: close, so a connection closes after its answer; one that stays idle
    // (never began a request, or between requests, or after an answer sent in full before the stop) is closed here:
    // first once the youngest can have had its grace (at once after a quiet time longer than it), then every grace.
    const sweep = (): void => { server.closeIdleConnections() }
    const first = setTimeout(sweep, firstSweepIn(FIRST_REQUEST_GRACE_MS, lastArrival, performance.now()))
    const sweeps = setInterval(sweep, FIRST_REQUEST_GRACE_MS)
    try {
      await closed
    } finally {
      clearTimeout(first)
      clearInterval(sweeps)
    }
  })
}, { name: 'shutdown', dependencies: ['config'] })
