// What differs between Flask's answer to a probe and the service's: the status, the headers that carry meaning, the
// body (JSON by its structure, key order aside; text exactly, or with its whitespace normalised), and the time, where
// the service is slower by more than a tolerance. Noise is learnt as Diffy learns it: Flask answers each probe twice,
// and what differs between those two answers (a timestamp, an id, a token) is not held against the service. Rules
// (--ignore) explain the rest that is deliberate, each with its reason.
import { isDeepStrictEqual } from 'node:util'
import type { Answer } from './answers.ts'
import { ParityError } from './errors.ts'
import { probeName, type Probe } from './probes.ts'

/** A rule: what it ignores, for which probes and Flask statuses, and why. */
export interface IgnoreRule {
  reason: string
  /** Regular expressions the probe's method, path (with its query) and Flask's status must match; all by default. */
  method?: string
  path?: string
  status?: string
  /** Fields not compared: `status`, `body`, `time`, or a header's name. */
  fields?: string[]
  /** JSON paths not compared, `$.items[*].created` for every item's. */
  jsonPaths?: string[]
  /** Regular expressions whose matches in either body are not compared. */
  bodyPatterns?: string[]
}

export interface Difference {
  /** `status`, `header <name>`, `body`, `json <path>` or `time`. */
  field: string
  flask: string
  service: string
  /** Why it does not count: learnt noise, or a rule's reason; none for a difference that counts. */
  explained?: string
}

export interface Comparison {
  probe: string
  flask: Answer
  service: Answer
  differences: Difference[]
}

export interface CompareOptions {
  rules: IgnoreRule[]
  normaliseWhitespace: boolean
  /** How much slower than Flask's the service's answer may be, in ms. */
  timeToleranceMs: number
}

export const NOISE = "noise: Flask's two answers differ here"

/** The rules of an --ignore file: `{ "rules": [ { "reason", ... } ] }`, each checked. */
export function readRules (text: string, name: string): IgnoreRule[] {
  let parsed: { rules?: unknown } | null
  try {
    parsed = JSON.parse(text) as { rules?: unknown } | null
  } catch (error) {
    throw new ParityError(`${name} is not JSON: ${(error as Error).message}`)
  }
  if (!Array.isArray(parsed?.rules)) throw new ParityError(`${name} has no "rules" list`)
  return parsed.rules.map((rule: IgnoreRule | null, index) => {
    if (typeof rule?.reason !== 'string' || rule.reason === '') {
      throw new ParityError(`${name}: rule ${index + 1} gives no "reason"`)
    }
    for (const pattern of [rule.method, rule.path, rule.status, ...rule.bodyPatterns ?? []]) {
      try {
        if (pattern !== undefined) RegExp(pattern)
      } catch (error) {
        throw new ParityError(`${name}: rule ${index + 1}: ${(error as Error).message}`)
      }
    }
    return rule
  })
}

/** A value as a table shows it. */
function shown (value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value)
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i

function isJson (answer: Answer): boolean {
  return JSON_TYPE.test(answer.headers['content-type'] ?? '')
}

/** `text` with every match of `patterns` replaced by one mark. */
function masked (text: string, patterns: string[]): string {
  return patterns.reduce((result, pattern) => result.replace(RegExp(pattern, 'g'), '<ignored>'), text)
}

/** Where two JSON values differ, as JSON paths. */
function jsonDifferences (flask: unknown, service: unknown, path = '$'): Difference[] {
  const bothObjects = [flask, service].every((value) => typeof value === 'object' && value !== null &&
    !Array.isArray(value))
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(flask as object), ...Object.keys(service as object)])].sort()
    return keys.flatMap((key) => jsonDifferences((flask as Record<string, unknown>)[key],
      (service as Record<string, unknown>)[key], `${path}.${key}`))
  }
  if (Array.isArray(flask) && Array.isArray(service)) {
    return Array.from({ length: Math.max(flask.length, service.length) },
      (_, index) => jsonDifferences(flask[index], service[index], `${path}[${index}]`)).flat()
  }
  if (isDeepStrictEqual(flask, service)) return []
  return [{ field: `json ${path}`, flask: shown(flask), service: shown(service) }]
}

/** A body as compared: the rules' patterns masked, its whitespace normalised if asked. */
function bodyText (answer: Answer, patterns: string[], normalise: boolean): string {
  const text = masked(answer.body, patterns)
  return normalise ? text.replace(/\s+/g, ' ').trim() : text
}

/** The body's differences: by JSON path where both are JSON, else the body as a whole. */
function bodyDifferences (flask: Answer, service: Answer, patterns: string[], normalise: boolean): Difference[] {
  const [a, b] = [bodyText(flask, patterns, normalise), bodyText(service, patterns, normalise)]
  if (isJson(flask) && isJson(service)) {
    try {
      return jsonDifferences(JSON.parse(a), JSON.parse(b))
    } catch {
      // Not JSON after all: compared as text.
    }
  }
  return a === b ? [] : [{ field: 'body', flask: shown(a), service: shown(b) }]
}

/**
 * A header's value as compared: Allow as a set of methods; Content-Type with its case and spacing aside, and a JSON
 * one without a charset, as JSON is UTF-8 whatever it says (RFC 8259); the rest as sent.
 */
function headerValue (name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (name === 'allow') return value.split(',').map((method) => method.trim()).sort().join(', ')
  if (name !== 'content-type') return value
  const spaced = value.toLowerCase().replace(/\s*;\s*/g, '; ')
  return JSON_TYPE.test(spaced) ? spaced.replace(/; charset=utf-8\b/, '') : spaced
}

/** Every difference between two answers, the time aside. */
function differencesOf (flask: Answer, service: Answer, patterns: string[], normalise: boolean): Difference[] {
  const found: Difference[] = []
  if (flask.status !== service.status) {
    found.push({ field: 'status', flask: String(flask.status), service: String(service.status) })
  }
  const names = [...new Set([...Object.keys(flask.headers), ...Object.keys(service.headers)])].sort()
  for (const name of names) {
    if (headerValue(name, flask.headers[name]) !== headerValue(name, service.headers[name])) {
      found.push({ field: `header ${name}`, flask: shown(flask.headers[name]), service: shown(service.headers[name]) })
    }
  }
  return [...found, ...bodyDifferences(flask, service, patterns, normalise)]
}

/** Whether `field` is one of `fields` (`body` covers every JSON path) or of `jsonPaths` (`[*]` any index). */
function covered (field: string, fields: string[], jsonPaths: string[]): boolean {
  const named = field.startsWith('header ') ? field.slice('header '.length) : field.split(' ')[0] as string
  if (fields.includes(named) || (named === 'json' && fields.includes('body'))) return true
  return field.startsWith('json ') && jsonPaths.some((pattern) => jsonPathPattern(pattern).test(field.slice(5)))
}

/** A JSON path pattern as a regular expression: `[*]` any index; a path covers the paths below it. */
function jsonPathPattern (pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('\\[\\*\\]', '\\[\\d+\\]')
  return RegExp(`^${escaped}(?=$|[.[])`)
}

/**
 * Whether a text body that differs between Flask's two answers differs in the service's only where those do: it
 * keeps what both of Flask's begin and end with.
 */
function withinNoise (first: string, second: string, service: string): boolean {
  let prefix = 0
  while (prefix < Math.min(first.length, second.length) && first[prefix] === second[prefix]) prefix++
  let suffix = 0
  while (suffix < Math.min(first.length, second.length) - prefix && first.at(-1 - suffix) === second.at(-1 - suffix)) {
    suffix++
  }
  return service.length >= prefix + suffix && service.startsWith(first.slice(0, prefix)) &&
    service.endsWith(first.slice(first.length - suffix))
}

/**
 * Flask's answers and the service's to `probe`, compared: Flask's second answer (`again`, for a probe that changes
 * nothing) says what is noise; a status never is.
 */
export function compareAnswers (
  probe: Probe,
  [flask, again]: [Answer, Answer | undefined],
  service: Answer,
  { rules, normaliseWhitespace, timeToleranceMs }: CompareOptions
): Comparison {
  const applying = rules.filter((rule) => (rule.method === undefined || RegExp(rule.method).test(probe.method)) &&
    (rule.path === undefined || RegExp(rule.path).test(probe.path)) &&
    (rule.status === undefined || RegExp(rule.status).test(String(flask.status))))
  const patterns = applying.flatMap((rule) => rule.bodyPatterns ?? [])
  const noise = again === undefined
    ? []
    : differencesOf(flask, again, patterns, normaliseWhitespace).map(({ field }) => field)
      .filter((field) => field !== 'status')
  const isNoise = (field: string): boolean => {
    if (field === 'body' && again !== undefined && noise.includes('body')) {
      const [a, b, c] = [flask, again, service].map((answer) => bodyText(answer, patterns, normaliseWhitespace))
      return withinNoise(a as string, b as string, c as string)
    }
    return noise.includes(field) || (field.startsWith('json ') && noise.includes('body'))
  }
  const found = differencesOf(flask, service, patterns, normaliseWhitespace)
  if (service.ms - flask.ms > timeToleranceMs) {
    found.push({ field: 'time', flask: `${Math.round(flask.ms)} ms`, service: `${Math.round(service.ms)} ms` })
  }
  return {
    probe: probeName(probe),
    flask,
    service,
    differences: found.map((difference) => {
      const rule = applying.find(({ fields = [], jsonPaths = [] }) => covered(difference.field, fields, jsonPaths))
      const explained = rule?.reason ?? (isNoise(difference.field) ? NOISE : undefined)
      return explained === undefined ? difference : { ...difference, explained }
    })
  }
}

/** The differences that count: neither noise nor explained by a rule. */
export function unexplained (comparison: Comparison): Difference[] {
  return comparison.differences.filter(({ explained }) => explained === undefined)
}
