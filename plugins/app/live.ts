// fastify.live: the live feed's event streams (GET /events). One feed for every stream, running only while one is open;
// each update framed once and written to every stream; one heartbeat timer; a client too slow to read is disconnected;
// on shutdown every stream gets a last event and ends.
import { Counter, Gauge } from '@prometheus-io/client'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { sseComment, sseEvent, sseRetry } from '../../src/event-stream.js'
import { EventStreams } from '../../src/event-streams.js'
import { LiveFeed } from '../../src/live-feed.js'
import { REQUEST_ID_HEADER } from '../../src/request-id.js'
import { retryLater } from '../../src/retry-later.js'

/** Headers as the lines of an HTTP head. */
function headerLines (headers: Record<string, string | number | readonly string[] | undefined>): string {
  let lines = ''
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) for (const each of [value].flat()) lines += `${name}: ${each}\r\n`
  }
  return lines
}

/** Status for work stopped because its client left (nginx's 499): here, every client of the feed. */
const CLIENT_CLOSED_REQUEST = 499

export interface LiveStreams {
  /**
   * Answers with an event stream of the feed: the updates after `lastSeq` first when it is given (with a `lost` event
   * when some are no longer kept), then each new one. Throws a 503 once the service drains.
   */
  open: (reply: FastifyReply, lastSeq?: number) => void
  /** Streams open. */
  readonly count: number
}

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveStreams
  }
}

export default fp(async (fastify) => {
  const { LIVE_INTERVAL_MS, LIVE_CALL_LATENCY_MS, LIVE_HEARTBEAT_MS, LIVE_RETRY_MS, LIVE_REPLAY_SIZE, LIVE_MAX_BUFFERED_BYTES } = fastify.config
  const registers = [fastify.metricsRegistry]
  const published = new Counter({ name: 'live_updates_total', help: 'Live updates published', registers })
  const dropped = new Counter({ name: 'live_clients_dropped_total', help: 'Event-stream clients disconnected for reading too slowly', registers })

  const feed = new LiveFeed({
    intervalMs: LIVE_INTERVAL_MS,
    replaySize: LIVE_REPLAY_SIZE,
    call: async (cancellation) => await fastify.dependency.call({ latencyMs: LIVE_CALL_LATENCY_MS }, cancellation),
    publish: (update) => {
      published.inc()
      streams.broadcast(Buffer.from(sseEvent('update', update, update.seq)))
    }
  })
  const everyClientLeft = fastify.httpErrors.createError(CLIENT_CLOSED_REQUEST, 'Every client of the live feed left')
  let heartbeat: NodeJS.Timeout | undefined

  const streams = new EventStreams({
    maxBufferedBytes: LIVE_MAX_BUFFERED_BYTES,
    onDropped: (bufferedBytes) => {
      dropped.inc()
      fastify.log.warn({ bufferedBytes }, 'event stream dropped: its client reads too slowly')
    },
    onEmpty: () => {
      feed.stop(everyClientLeft)
      clearInterval(heartbeat)
    }
  })
  new Gauge({ name: 'live_streams_open', help: 'Event streams open', registers, collect () { this.set(streams.size) } })

  const HEARTBEAT = Buffer.from(sseComment('heartbeat'))
  // The headers every stream's head has, written once: those every answer carries (past Fastify's hooks, so set here),
  // and the stream's own.
  const STREAM_HEADERS = headerLines({
    ...fastify.securityHeaders,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    // Tells nginx not to buffer the stream.
    'x-accel-buffering': 'no',
    // The body runs until the connection closes: no chunked framing around each frame, and nothing after it.
    connection: 'close'
  })
  const { draining } = fastify.shutdown
  fastify.decorate('live', {
    open (reply, lastSeq) {
      if (draining.aborted) throw retryLater('The service is shutting down')
      reply.hijack()
      // The head is written on the socket, and the frames after it: a ServerResponse would keep its head as a string
      // per stream, and frame every write as a chunk.
      const socket = reply.request.raw.socket
      const head = `HTTP/1.1 200 OK\r\ndate: ${new Date().toUTCString()}\r\n${REQUEST_ID_HEADER}: ${reply.request.id}\r\n` +
        `${headerLines(reply.getHeaders())}${STREAM_HEADERS}\r\n`
      fastify.inFlight.answered(reply)
      if (reply.request.method === 'HEAD') {
        socket.end(head)
        return
      }
      let first = head + sseRetry(LIVE_RETRY_MS)
      if (lastSeq !== undefined) {
        const { missed, updates } = feed.replay(lastSeq)
        if (missed !== 0) first += sseEvent('lost', { missed })
        for (const update of updates) first += sseEvent('update', update, update.seq)
      }
      if (!streams.add(socket, first) || streams.size > 1) return
      feed.start()
      if (LIVE_HEARTBEAT_MS > 0) heartbeat = setInterval(() => { streams.broadcast(HEARTBEAT) }, LIVE_HEARTBEAT_MS)
    },
    get count () { return streams.size }
  } satisfies LiveStreams)

  // The drain waits for every connection to close: each stream says why it ends, and ends.
  const SHUTDOWN = sseEvent('shutdown', { reason: 'The service is shutting down' })
  draining.addEventListener('abort', () => { streams.endAll(SHUTDOWN) })
  fastify.addHook('onClose', async () => {
    feed.stop(everyClientLeft)
    clearInterval(heartbeat)
  })
}, { name: 'live', dependencies: ['@fastify/sensible', 'dependency', 'in-flight', 'metrics', 'security-headers', 'shutdown'] })
