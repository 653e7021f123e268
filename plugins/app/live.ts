// fastify.live: the live feed's event streams (GET /events). One feed for every stream (with REDIS_URL, for every
// replica), running only while one is open; each update framed once and written to every stream.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { sseComment, sseEvent, sseRetry } from '../../src/live/frames.ts'
import { EventStream } from '../../src/live/event-stream.ts'
import { EventStreams } from '../../src/live/event-streams.ts'
import { createLiveFeed } from '../../src/live/index.ts'
import { EVENT_STREAM } from '../../src/live/schemas.ts'
import { clientClosed, shuttingDown } from '../../src/http/errors.ts'
import { ClientCaps } from '../../src/http/client-caps.ts'
import { reach } from '../../src/redis/reach.ts'

/** What a client is told while Redis, which carries the feed, is unreachable. */
const UNAVAILABLE = 'The live feed is unavailable for now; retry later'

export interface LiveStreams {
  /**
   * Sets `reply`'s head for an event stream of the feed, and resolves with its body: the updates after `lastSeq` first
   * when it is given (with a `lost` event when some are no longer kept), then each new one; for HEAD, an empty body.
   * Rejects with a 503 once the service drains, and with Redis, while Redis is unreachable.
   */
  open: (reply: FastifyReply, lastSeq?: number) => Promise<EventStream>
  /** Streams open. */
  readonly count: number
}

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveStreams
  }
}

export default fp(async (fastify) => {
  const {
    LIVE_INTERVAL_MS, LIVE_CALL_LATENCY_MS, LIVE_HEARTBEAT_MS, LIVE_RETRY_MS, LIVE_REPLAY_SIZE, LIVE_MAX_BUFFERED_BYTES,
    LIVE_MAX_STREAMS_PER_CLIENT, LIVE_MAX_STREAMS
  } = fastify.config
  const { redis, metrics } = fastify
  const published = metrics.counter('live_updates_total',
    'Live updates this replica made (with Redis: appended to the shared feed as its producer)')
  const dropped =
    metrics.counter('live_clients_dropped_total', 'Event-stream clients disconnected for reading too slowly')
  const caps = new ClientCaps({
    perClient: LIVE_MAX_STREAMS_PER_CLIENT,
    total: LIVE_MAX_STREAMS,
    what: 'event streams',
    refused: metrics.countedBy('live_streams_refused_total',
      'Event streams refused: their client held its cap (per_client), or the service did (total)',
      'reason', ['per_client', 'total'])
  })

  const feed = await createLiveFeed({
    intervalMs: LIVE_INTERVAL_MS,
    replaySize: LIVE_REPLAY_SIZE,
    call: async (cancellation) => await fastify.dependency.call({ latencyMs: LIVE_CALL_LATENCY_MS }, cancellation),
    deliver: (update) => { streams.broadcast(Buffer.from(sseEvent('update', update, update.seq))) },
    produced: () => { published.inc() },
    lost: (missed) => { streams.broadcast(Buffer.from(sseEvent('lost', { missed }))) },
    leaseLost: fastify.httpErrors.conflict('Another replica makes the live feed')
  }, redis?.parts('live-feed'))
  const everyClientLeft = clientClosed('Every client of the live feed left')

  // The feed is started by the request of the first stream, but runs for every stream: outside that request's context,
  // so that its calls' spans (with tracing on) do not all join the trace of a request long answered.
  const outsideAnyRequest = AsyncLocalStorage.snapshot()
  let heartbeat: NodeJS.Timeout | undefined
  /** Streams waiting for the feed (with Redis, its reader and replay): the feed runs while one is open or opening. */
  let opening = 0

  function stopIfNobodyListens (): void {
    if (streams.size > 0 || opening > 0) return
    void feed.stop(everyClientLeft)
  }

  const streams = new EventStreams({
    maxBufferedBytes: LIVE_MAX_BUFFERED_BYTES,
    onClose: (stream) => { caps.release(stream.client) },
    onDropped: (bufferedBytes) => {
      dropped.inc()
      fastify.log.warn({ bufferedBytes }, 'event stream dropped: its client reads too slowly')
    },
    onEmpty: () => {
      clearInterval(heartbeat)
      stopIfNobodyListens()
    }
  })
  metrics.gauge('live_streams_open', 'Event streams open', () => streams.size)

  /** Starts the feed for a stream about to open; the frames of what it missed since `lastSeq`, if given. */
  async function join (lastSeq: number | undefined): Promise<string> {
    opening++
    try {
      await outsideAnyRequest(async () => { await feed.start() })
      if (lastSeq === undefined) return ''
      const { missed, updates } = await feed.replay(lastSeq)
      let frames = missed === 0 ? '' : sseEvent('lost', { missed })
      for (const update of updates) frames += sseEvent('update', update, update.seq)
      return frames
    } finally {
      opening--
    }
  }

  const HEARTBEAT = Buffer.from(sseComment('heartbeat'))
  const STREAM_HEADERS = {
    'content-type': EVENT_STREAM,
    'cache-control': 'no-cache, no-transform',
    // Tells nginx not to buffer the stream.
    'x-accel-buffering': 'no',
    connection: 'close'
  }
  const { draining } = fastify.shutdown
  fastify.decorate('live', {
    async open (reply, lastSeq) {
      if (draining.aborted) throw shuttingDown()
      const headOnly = reply.request.method === 'HEAD'
      const { ip: client } = reply.request
      // HEAD holds nothing open.
      if (!headOnly) caps.admit(client)
      let replayed: string
      try {
        // HEAD asks Redis nothing, but is refused as GET would be while Redis is unreachable.
        replayed = await reach(redis, UNAVAILABLE, async () => headOnly ? '' : await join(lastSeq))
        // The drain's last events were sent while this stream waited: it is not opened.
        if (draining.aborted) throw shuttingDown()
      } catch (error) {
        if (!headOnly) caps.release(client)
        stopIfNobodyListens()
        throw error
      }
      reply.headers(STREAM_HEADERS)
      // The body runs until the connection closes: no chunked framing around each frame, and nothing after it.
      reply.raw.removeHeader('transfer-encoding')
      const stream = new EventStream(reply.raw, client)
      if (headOnly) {
        stream.endWith('')
        return stream
      }
      streams.add(stream, sseRetry(LIVE_RETRY_MS) + replayed)
      if (streams.size === 1 && LIVE_HEARTBEAT_MS > 0) {
        heartbeat = setInterval(() => { streams.broadcast(HEARTBEAT) }, LIVE_HEARTBEAT_MS)
      }
      return stream
    },
    get count () { return streams.size }
  } satisfies LiveStreams)

  // The drain waits for every connection to close: each stream says why it ends, and ends.
  const SHUTDOWN = sseEvent('shutdown', { reason: 'The service is shutting down' })
  draining.addEventListener('abort', () => { streams.endAll(SHUTDOWN) })
  // Before the Redis connections close: the reader's blocking read is over first.
  fastify.addHook('onClose', async () => {
    clearInterval(heartbeat)
    await feed.stop(everyClientLeft)
  })
}, {
  name: 'live',
  dependencies: ['@fastify/sensible', 'dependency', 'metrics', 'redis', 'shutdown']
})
