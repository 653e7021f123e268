// Numbers in a query string, validated one way for every route: the schema checks the form (plain decimal digits),
// the route reads the value through the same parameter, which checks its range; both refuse with one message.
import { httpErrors } from '@fastify/sensible'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import { Type, type TString } from 'typebox'

// Plain decimals only. A number or integer schema would let Ajv's coercion through with "Infinity" (it skips the
// range checks on what it coerced to a non-finite value), and with "0x10", " 2 " or "1e1".
const DECIMAL = '^\\d+(\\.\\d+)?$'
const INTEGER = '^\\d+$'

export interface QueryNumber {
  /** The schema of its form, for the route's querystring. */
  readonly schema: TString
  /** The one message for every refused value, whether its form or its range was wrong. */
  readonly refusal: string
  /** The value of `given` (which the schema let through), refused with a 400 outside its range. */
  read: (given: string) => number
}

export interface QueryNumberOptions {
  /** A whole number, or a decimal. */
  integer: boolean
  min: number
  max: number
  /** What a value must be, in words: "an integer from 1 to 50". */
  expected: string
}

/** The query parameter `name`, from `min` to `max`. */
export function queryNumber (name: string, { integer, min, max, expected }: QueryNumberOptions): QueryNumber {
  const refusal = `querystring/${name} must be ${expected}`
  return {
    schema: Type.String({ pattern: integer ? INTEGER : DECIMAL, description: expected }),
    refusal,
    read (given) {
      const value = Number(given)
      if (value < min || value > max) throw httpErrors.createError(400, refusal, { code: 'FST_ERR_VALIDATION' })
      return value
    }
  }
}

/** A schemaErrorFormatter answering the refusal of the first field that failed (`byField`, keyed by field name). */
export function refusals (byField: Record<string, string>): (errors: FastifySchemaValidationError[]) => Error {
  const [first] = Object.values(byField)
  return (errors) => {
    const refusal = errors.map((error) => byField[error.instancePath.slice(1)]).find((each) => each !== undefined)
    return new Error(refusal ?? first)
  }
}
