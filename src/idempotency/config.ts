// The idempotency keys' fragment of the config.
import { Type } from 'typebox'
import { Count } from '../config/kinds.ts'

/** A day: the keys' default life, as the IETF draft suggests and Stripe keeps them. */
const DAY_MS = 86_400_000

export const idempotencyConfig = {
  IDEMPOTENCY_TTL_MS: Count(DAY_MS, 1000, 30 * DAY_MS,
    'how long the answer to a request with an Idempotency-Key is kept for its repeats, in ms'),
  IDEMPOTENCY_REQUIRED: Type.Enum(['false', 'true'], {
    default: 'false',
    description: 'true: a POST that takes an Idempotency-Key and has none is refused with 400'
  })
}
