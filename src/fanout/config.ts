// The fan-out's fragment of the config.
import { Count } from '../config/kinds.ts'

export const fanoutConfig = {
  FANOUT_MAX_CALLS: Count(50, 1, 1000, 'largest ?calls GET /fanout accepts')
}
