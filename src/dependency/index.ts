// The dependency the config asks for: the simulator, or, with DEPENDENCY_URL, the HTTP client of a real service.
import type { Config } from '../config/index.ts'
import type { Dependency } from './port.ts'
import { SimulatedDependency } from './simulated.ts'

export type DependencyConfig = Pick<Config, 'DEPENDENCY_URL' | 'DEPENDENCY_JITTER_MS' | 'DEPENDENCY_FAILURE_RATE' |
  'DEPENDENCY_SEED' | 'DEPENDENCY_POOL_SIZE' | 'DEPENDENCY_QUEUE_TIMEOUT_MS'>

/** `headers`, when given, makes the headers each request to a real service carries besides (a trace's traceparent). */
export async function createDependency (
  config: DependencyConfig,
  headers?: () => Record<string, string>
): Promise<Dependency> {
  const { DEPENDENCY_URL: origin, DEPENDENCY_POOL_SIZE: poolSize, DEPENDENCY_QUEUE_TIMEOUT_MS: queueTimeoutMs } = config
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
