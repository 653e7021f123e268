// The CPU pool's fragment of the config.
import { Count } from '../config/kinds.ts'

export const cpuConfig = {
  CPU_POOL_THREADS: Count(0, 0, 256,
    'worker threads for CPU work; 0: one per CPU core but the one the event loop runs on, at least one'),
  CPU_MAX_QUEUE: Count(64, 0, 100_000, 'CPU tasks that may wait for a thread; past it, 503 with Retry-After'),
  CPU_MAX_N: Count(8_000_000, 2, 100_000_000, 'largest ?n GET /cpu and /cpu/blocking accept (about a second of CPU)')
}
