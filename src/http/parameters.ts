// Query parameters shared by routes.
import { Type } from 'typebox'

// Plain decimals only. A number or integer schema would let Ajv's coercion through with "Infinity" (it skips the
// range checks on what it coerced to a non-finite value), and with "0x10", " 2 " or "1e1".
const DECIMAL = '^\\d+(\\.\\d+)?$'
const INTEGER = '^\\d+$'

/** A number of at least 0 in plain decimal (a range, if any, is checked on the number by the route). */
export function PlainDecimal (description: string) {
  return Type.String({ pattern: DECIMAL, description })
}

/** An integer of at least 0 in plain decimal digits (a range, if any, is checked on the number by the route). */
export function PlainInteger (description: string) {
  return Type.String({ pattern: INTEGER, description })
}
