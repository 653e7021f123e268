// The background tasks' fragment of the config.
import { Count, Duration } from '../config/kinds.ts'

export const tasksConfig = {
  TASKS_MAX_PENDING: Count(1000, 1, 1_000_000,
    'background tasks that may be pending at once; past it, 503 with Retry-After'),
  TASKS_TTL_MS: Duration(600_000, 'how long a background task stays readable after it ends'),
  TASKS_MAX_LATENCY_MS: Duration(60_000, 'largest latencyMs POST /tasks accepts')
}
