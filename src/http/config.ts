// The fragment of the config every request shares: its deadline, load shedding and the rate limit.
import { Type } from 'typebox'
import { Bytes, Count, Duration, MAX_DURATION_MS } from '../config/kinds.ts'

export const httpConfig = {
  REQUEST_DEADLINE_MS: Duration(30_000,
    'how long a request may take from its start; past it, 504 and its dependency calls cancelled'),
  MAX_EVENT_LOOP_DELAY_MS: Duration(1000, 'mean event-loop delay over which requests get 503 (0: not checked)'),
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'event-loop utilization over which requests get 503 (0: not checked)'
  }),
  MAX_HEAP_USED_BYTES: Bytes(0, 0, 'heap in use over which requests get 503 (0: not checked)'),
  MAX_RSS_BYTES: Bytes(0, 0, 'resident memory over which requests get 503 (0: not checked)'),
  RATE_LIMIT_MAX: Count(0, 0, Number.MAX_SAFE_INTEGER,
    'requests a client address may make per window; 0 turns rate limiting off'),
  RATE_LIMIT_WINDOW_MS: Count(60_000, 1, MAX_DURATION_MS, 'the rate limit window, in ms')
}
