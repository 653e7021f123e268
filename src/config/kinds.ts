// The kinds of value the config's fragments are made of: durations, sizes and counts, with their bounds.
import { Type, type TInteger } from 'typebox'

/** The longest any duration may be: an hour, well inside what Node's timers hold (about 24.8 days). */
export const MAX_DURATION_MS = 3_600_000

/** A duration in ms. 0 means none, for every duration: no wait for a delay, no limit for a timeout. */
export function Duration (defaultMs: number, description: string): TInteger {
  return Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS, default: defaultMs, description })
}

/** A size in bytes, at least `minimum`. */
export function Bytes (defaultBytes: number, minimum: number, description: string): TInteger {
  return Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, default: defaultBytes, description })
}

/** A whole number from `minimum` to `maximum`. */
export function Count (defaultCount: number, minimum: number, maximum: number, description: string): TInteger {
  return Type.Integer({ minimum, maximum, default: defaultCount, description })
}
