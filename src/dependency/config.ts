// The dependency's fragment of the config: the seed's latencies, and the simulator's, the upstream's or the database's
// settings, with what they say together.
import { Type } from 'typebox'
import type { Config } from '../config/index.ts'
import { Duration, MAX_DURATION_MS } from '../config/kinds.ts'

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
  DATABASE_URL: Type.Optional(Type.String({
    pattern: '^postgres(ql)?://\\S+$',
    description: 'a PostgreSQL database (postgres://user:password@host:port/database) on which each dependency call ' +
      'is a query, SELECT pg_sleep(seconds); unset: the simulator, or DEPENDENCY_URL',
    expected: 'a postgres:// or postgresql:// URL, such as postgres://app:secret@127.0.0.1:5432/app'
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
  DEPENDENCY_POOL_SIZE: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: 65_535,
    description: 'calls to the dependency at once, each holding a connection; more wait in a queue (0: no limit, ' +
      'which a database refuses; unset: no limit, or 10 connections with DATABASE_URL)'
  })),
  DEPENDENCY_QUEUE_TIMEOUT_MS: Duration(1000,
    'how long a call may wait for a pool slot; past it, 503 with Retry-After (0: no limit)')
}

/** With DATABASE_URL, the pool's connections when DEPENDENCY_POOL_SIZE is unset. */
export const DATABASE_POOL_SIZE = 10

/** What the dependency's variables say together that each alone cannot: a line for each problem. */
export function dependencyConflicts (
  { DATABASE_URL, DEPENDENCY_URL, DEPENDENCY_POOL_SIZE }:
  Pick<Config, 'DATABASE_URL' | 'DEPENDENCY_URL' | 'DEPENDENCY_POOL_SIZE'>
): string[] {
  if (DATABASE_URL === undefined) return []
  return [
    ...(URL.canParse(DATABASE_URL)
      ? []
      : ['DATABASE_URL is not a URL that can be read: check its port, and that special characters in the password ' +
        'are percent-encoded']),
    ...(DEPENDENCY_URL === undefined
      ? []
      : ['DATABASE_URL and DEPENDENCY_URL cannot both be set: the dependency is PostgreSQL or an HTTP upstream']),
    ...(DEPENDENCY_POOL_SIZE === 0
      ? ['DEPENDENCY_POOL_SIZE must be from 1 to 65535 with DATABASE_URL: each call holds one of the database\'s ' +
        'connections (got "0")']
      : [])
  ]
}
