// The live feed's fragment of the config: the updates, and the event streams that carry them.
import { Bytes, Count, Duration, MAX_DURATION_MS } from '../config/kinds.ts'

export const liveConfig = {
  LIVE_INTERVAL_MS: Count(1000, 10, MAX_DURATION_MS,
    'how often the live feed publishes an update (a dependency call and its result), while a client listens'),
  LIVE_CALL_LATENCY_MS: Duration(100, 'latency of the dependency call behind each live update'),
  LIVE_HEARTBEAT_MS: Duration(15_000,
    'how often each open event stream gets a comment line, so that proxies keep it open (0: none)'),
  LIVE_RETRY_MS: Duration(2000,
    'how long event-stream clients are advised to wait before they reconnect (SSE retry:)'),
  LIVE_REPLAY_SIZE: Count(100, 0, 100_000,
    'latest live updates kept to replay to a client that reconnects with Last-Event-ID'),
  LIVE_MAX_STREAMS_PER_CLIENT: Count(20, 0, 1_000_000,
    'event streams one client address may hold open at once; more are refused with 429 (0: no cap)'),
  LIVE_MAX_STREAMS: Count(10_000, 0, 1_000_000,
    'event streams this process holds open at once, about 25 KB each; more are refused with 503 (0: no cap)'),
  LIVE_MAX_BUFFERED_BYTES: Bytes(65_536, 1,
    'bytes an event stream may hold unsent for a slow client; past it, the client is disconnected')
}
