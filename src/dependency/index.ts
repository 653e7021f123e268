// The dependency the config asks for: the simulator, or, with DEPENDENCY_URL, the HTTP client of a real service, or,
// with DATABASE_URL, PostgreSQL.
import type { Config } from '../config/index.ts'
import { DATABASE_POOL_SIZE } from './config.ts'
import type { Dependency } from './port.ts'
import { SimulatedDependency } from './simulated.ts'

export type DependencyConfig = Pick<Config, 'DEPENDENCY_URL' | 'DATABASE_URL' | 'DEPENDENCY_JITTER_MS' |
  'DEPENDENCY_FAILURE_RATE' | 'DEPENDENCY_SEED' | 'DEPENDENCY_POOL_SIZE' | 'DEPENDENCY_QUEUE_TIMEOUT_MS'>

export interface DependencyHooks {
  /** The headers each request to a real service carries besides (a trace's traceparent). */
  headers?: () => Record<string, string>
  /** Told when a database connection is lost (PostgreSQL restarted, say). */
  onConnectionLost?: (error: Error) => void
}

export async function createDependency (
  config: DependencyConfig,
  { headers, onConnectionLost }: DependencyHooks = {}
): Promise<Dependency> {
  const { DEPENDENCY_URL: origin, DATABASE_URL: url, DEPENDENCY_QUEUE_TIMEOUT_MS: queueTimeoutMs } = config
  if (url !== undefined) {
    // Loaded only when used, as undici is below.
    const { PostgresDependency } = await import('./postgres.ts')
    return new PostgresDependency({
      url,
      poolSize: config.DEPENDENCY_POOL_SIZE ?? DATABASE_POOL_SIZE,
      queueTimeoutMs,
      onConnectionLost
    })
  }
  const poolSize = config.DEPENDENCY_POOL_SIZE ?? 0
  if (origin === undefined) {
    return new SimulatedDependency({
      jitterMs: config.DEPENDENCY_JITTER_MS,
      failureRate: config.DEPENDENCY_FAILURE_RATE,
      ...(config.DEPENDENCY_SEED === undefined ? {} : { seed: config.DEPENDENCY_SEED }),
      poolSize,
      queueTimeoutMs
    })
  }
  // Loaded only when used: undici takes longer to load than Fastify itself, a cost the simulator's users need not pay.
  const { HttpDependency } = await import('./http.ts')
  return new HttpDependency({ origin, poolSize, queueTimeoutMs, ...(headers === undefined ? {} : { headers }) })
}
