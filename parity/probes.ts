// The requests compare sends to both apps: built from the route table (each rule's methods with a value each converter
// takes, HEAD, OPTIONS, a value a converter refuses, a method the rule does not serve), read from a file (a HAR file
// a browser saved, or a JSON list), or replayed from an access log (nginx's combined format, or Werkzeug's). Only the
// safe methods unless writes are allowed.
import { ParityError } from './errors.ts'
import type { FlaskRule } from './flask.ts'
import { viewMethods } from './match.ts'
import { fillRule, refusedValue, samplePath, sampleValue } from './samples.ts'

export interface Probe {
  method: string
  /** The path and query string. */
  path: string
  headers: Record<string, string>
  body?: string
}

/**
 * The methods that change nothing on the server: RFC 9110's safe methods. TRACE is sent only as a method a path does
 * not serve, where GET is served.
 */
export const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE']
/** Tried in turn for a method the rule does not serve: safe ones, so that nothing is written by it. */
const UNSERVED_CANDIDATES = ['GET', 'TRACE']

/** What a probe is called in tables and reports. */
export function probeName ({ method, path }: Probe): string {
  return `${method} ${path}`
}

/** The probes the route table gives, in its order, each once. */
export function tableProbes (rules: FlaskRule[]): Probe[] {
  const probes: Probe[] = []
  for (const rule of rules) {
    if (rule.static) continue
    const path = samplePath(rule)
    const methods = viewMethods(rule)
    const unserved = UNSERVED_CANDIDATES.find((method) => !rule.methods.includes(method))
    const refusable = rule.arguments.some((variable) => refusedValue(variable) !== undefined)
    for (const method of [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS']) {
      probes.push({ method, path, headers: {} })
    }
    if (refusable) {
      const refused = fillRule(rule, (variable) => refusedValue(variable) ?? sampleValue(variable))
      probes.push({ method: methods.includes('GET') ? 'GET' : methods[0] as string, path: refused, headers: {} })
    }
    if (unserved !== undefined) probes.push({ method: unserved, path, headers: {} })
  }
  return unique(probes)
}

/** `probes` without the repeats of one already there (the same method, path, headers and body). */
export function unique (probes: Probe[]): Probe[] {
  const seen = new Set<string>()
  return probes.filter((probe) => {
    const key = JSON.stringify(probe)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

interface HarEntry {
  request: {
    method: string
    url: string
    headers?: Array<{ name: string, value: string }>
    postData?: { text?: string }
  }
}

/** The headers a replayed request keeps: those that carry meaning, not the connection's or the browser's own. */
const KEPT_REQUEST_HEADERS = ['accept', 'accept-language', 'authorization', 'content-type', 'cookie', 'if-none-match',
  'if-modified-since']

type Headers = Array<{ name: string, value: string }> | Record<string, string>

function keptHeaders (headers: Headers): Record<string, string> {
  const entries = Array.isArray(headers) ? headers.map(({ name, value }) => [name, value]) : Object.entries(headers)
  return Object.fromEntries(entries.map(([name, value]) => [(name as string).toLowerCase(), value as string])
    .filter(([name]) => KEPT_REQUEST_HEADERS.includes(name as string)))
}

/**
 * The probes of a requests file: a HAR file (`{ "log": { "entries": [...] } }`, as a browser's developer tools save
 * it), or a JSON list of `{ "method", "path", "headers"?, "body"? }`.
 */
export function fileProbes (text: string, name: string): Probe[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ParityError(`${name} is not JSON (a HAR file, or a list of requests): ${(error as Error).message}`)
  }
  const entries = (parsed as { log?: { entries?: HarEntry[] } } | null)?.log?.entries
  if (Array.isArray(entries)) {
    return unique(entries.map((entry, index) => {
      const request = (entry as Partial<HarEntry> | null)?.request
      if (typeof request?.method !== 'string' || !URL.canParse(request.url)) {
        throw new ParityError(`${name}: entry ${index + 1} has no request with a method and an absolute URL`)
      }
      const url = new URL(request.url)
      const body = request.postData?.text
      return {
        method: request.method.toUpperCase(),
        path: url.pathname + url.search,
        headers: keptHeaders(request.headers ?? []),
        ...(body === undefined || body === '' ? {} : { body })
      }
    }))
  }
  if (!Array.isArray(parsed)) {
    throw new ParityError(`${name} is neither a HAR file nor a list of requests`)
  }
  return unique(parsed.map((entry: Partial<Probe> | null, index) => {
    if (typeof entry?.method !== 'string' || typeof entry.path !== 'string' || !entry.path.startsWith('/')) {
      throw new ParityError(`${name}: request ${index + 1} needs a "method" and a "path" starting with /`)
    }
    return {
      method: entry.method.toUpperCase(),
      path: entry.path,
      headers: keptHeaders(entry.headers ?? {}),
      ...(entry.body === undefined ? {} : { body: entry.body })
    }
  }))
}

/** The request line of an access log's line, nginx's combined format and Werkzeug's alike: "GET /path HTTP/1.1". */
const REQUEST_LINE = /"([A-Z]+) (\/\S*) HTTP\/[0-9.]+"/

/** The probes an access log replays: each request line once, in the log's order; lines without one are skipped. */
export function logProbes (text: string): Probe[] {
  return unique(text.split('\n').flatMap((line) => {
    const found = REQUEST_LINE.exec(line)
    return found === null ? [] : [{ method: found[1] as string, path: found[2] as string, headers: {} }]
  }))
}

/** The probes that may be sent: the safe ones, or all with `allowWrites`; and how many were held back. */
export function sendable (probes: Probe[], allowWrites: boolean): { probes: Probe[], heldBack: number } {
  const allowed = probes.filter(({ method }) => allowWrites || SAFE_METHODS.includes(method))
  return { probes: allowed, heldBack: probes.length - allowed.length }
}
