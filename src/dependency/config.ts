// The dependency's fragment of the config: the seed's latencies, and the simulator's or the upstream's settings.
import { Type } from 'typebox'
import { Count, Duration, MAX_DURATION_MS } from '../config/kinds.ts'

export const dependencyConfig = {
  ROOT_DELAY_MS: Duration(1000, 'latency of the slow dependency awaited by GET /'),
  WAIT_DELAY_MS: Duration(2000, 'latency awaited by GET /wait without ?seconds'),
  MAX_WAIT_SECONDS: Type.Number({
    minimum: 0,
    maximum: MAX_DURATION_MS / 1000,
    default: 60,
    description: 'largest ?seconds GET /wait accepts'
  }),
  DEPENDENCY_URL: Type.Optional(Type.String({
    pattern: '^https?://[^\\s/?#]+/?$',
    description: "an upstream's origin (http://host:port) whose /wait the dependency calls; unset: the simulator",
    expected: 'an http:// or https:// origin, such as http://127.0.0.1:3001'
  })),
  DEPENDENCY_JITTER_MS: Duration(0, "simulator: up to this much latency added at random to each call's own"),
  DEPENDENCY_FAILURE_RATE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'simulator: the share of calls that fail (0 to 1)'
  }),
  DEPENDENCY_SEED: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: 4_294_967_295,
    description: "simulator: seed of the jitter's and failures' random source, for runs that repeat exactly; " +
      'unset: a new seed each start'
  })),
  DEPENDENCY_POOL_SIZE: Count(0, 0, 65_535,
    'calls to the dependency at once; more wait in a queue, as for database connections (0: no limit)'),
  DEPENDENCY_QUEUE_TIMEOUT_MS: Duration(1000,
    'how long a call may wait for a pool slot; past it, 503 with Retry-After (0: no limit)')
}
