// Path values for a Flask rule's variables, as its converters accept them (and, where a converter refuses some, one it
// refuses): a rule made into a path a client could send, to route it through the service's router, to ask both apps
// in compare, and to test a scaffolded route.
import { rewriteRule, variableOf, type FlaskRule, type FlaskVariable } from './flask.ts'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

function number (value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}

/** A value `variable`'s converter accepts: the smallest that is neither empty nor zero, within its bounds. */
export function sampleValue ({ converter, builtin, args, kwargs }: FlaskVariable): string {
  if (!builtin) return 'sample'
  switch (converter) {
    case 'int': {
      const value = number(kwargs.min) ?? Math.min(1, number(kwargs.max) ?? 1)
      return String(value).padStart(number(kwargs.fixed_digits) ?? 0, '0')
    }
    case 'float': {
      // Werkzeug's float always has a fraction: 1.5, or the bound itself where 1.5 is out of bounds.
      const min = number(kwargs.min)
      const max = number(kwargs.max)
      const value = min === undefined ? Math.min(1.5, max ?? 1.5) : Math.min(min + 0.5, max ?? Infinity)
      return Number.isInteger(value) ? value.toFixed(1) : String(value)
    }
    case 'uuid':
      return '2f1e5b2c-6a3d-4c7e-9f10-3b2a1c0d9e8f'
    case 'path':
      return 'a/b.txt'
    case 'any':
      return String(args[0])
    default: {
      const length = number(kwargs.length) ?? Math.max(number(kwargs.minlength) ?? 1, 1)
      return LETTERS.repeat(Math.ceil(length / LETTERS.length)).slice(0, length)
    }
  }
}

/** A value the converter refuses in a path (Flask then answers 404), or undefined when it takes any segment. */
export function refusedValue ({ converter, builtin, args, kwargs }: FlaskVariable): string | undefined {
  if (!builtin) return undefined
  switch (converter) {
    case 'int':
    case 'float':
    case 'uuid':
      return 'x'
    case 'any':
      return `${String(args[0])}-not`
    case 'path':
      return undefined
    default: {
      const length = number(kwargs.length) ?? number(kwargs.maxlength)
      return length === undefined ? undefined : 'x'.repeat(length + 1)
    }
  }
}

/** `rule` with each variable given the value `valueOf` gives it. */
export function fillRule (rule: FlaskRule, valueOf: (variable: FlaskVariable) => string): string {
  return rewriteRule(rule.rule, (text) => text, (match) => {
    const variable = variableOf(rule, match)
    const value = valueOf(variable)
    // A path variable's slashes are its own; any other value is one segment.
    return variable.converter === 'path'
      ? value.split('/').map(encodeURIComponent).join('/')
      : encodeURIComponent(value)
  })
}

/** A path the rule matches. */
export function samplePath (rule: FlaskRule): string {
  return fillRule(rule, sampleValue)
}
