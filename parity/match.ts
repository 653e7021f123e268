// Flask's rules matched to the service's routes by their shape: `/items/<int:id>/update` and `/items/:id/update` are
// one path whatever the variable's name or converter; Werkzeug's `path` converter and Fastify's `*` both take the rest.
// Methods are compared as each framework has them: the HEAD both add for GET, and the OPTIONS Flask answers itself,
// are not counted as the view's own.
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import { rewriteRule, type FlaskRule } from './flask.ts'
import { samplePath } from './samples.ts'
import type { ServiceRoute } from './service.ts'

export interface PortedRule {
  rule: string
  endpoint: string
  url: string
  /** The view's own methods. */
  methods: string[]
  /** Of those, the ones the service does not serve at `url`. */
  missingMethods: string[]
}

export interface MissingRule {
  rule: string
  endpoint: string
  methods: string[]
  /** The rule serves a static folder: for @fastify/static, not for a route module. */
  static: boolean
  /** What the service has nearby: the path with or without a trailing slash, or other methods. */
  note?: string
}

export interface ExtraRoute {
  url: string
  /** Its methods no Flask rule of that path has. */
  methods: string[]
}

export interface RouteMatch {
  ported: PortedRule[]
  missing: MissingRule[]
  extra: ExtraRoute[]
}

/** A Flask rule's shape: each variable `:`, a `path` variable `*`, a colon of the path's own `::`, as Fastify's. */
export function flaskShape (rule: string): string {
  return rewriteRule(rule, (text) => text.replaceAll(':', '::'),
    (match) => (match.groups?.converter === 'path' ? '*' : ':'))
}

/** A Fastify URL's shape: each parameter, with its regular expression if any, `:`; `::`, a literal colon, stays. */
export function serviceShape (url: string): string {
  let shape = ''
  for (let i = 0; i < url.length; i++) {
    if (url[i] !== ':') {
      shape += url[i] as string
    } else if (url[i + 1] === ':') {
      shape += '::'
      i++
    } else {
      while (i + 1 < url.length && !'/-.('.includes(url[i + 1] as string)) i++
      for (let depth = 0; url[i + 1] === '(' || depth > 0; i++) {
        if (url[i + 1] === '(') depth++
        if (url[i + 1] === ')') depth--
      }
      shape += ':'
    }
  }
  return shape
}

/** A Flask rule's methods as its view has them: without the HEAD Werkzeug adds for GET, or Flask's own OPTIONS. */
export function viewMethods ({ methods, automaticOptions }: FlaskRule): string[] {
  return methods.filter((method) => !(method === 'HEAD' && methods.includes('GET')) &&
    !(method === 'OPTIONS' && automaticOptions))
}

/** What a rule for one subdomain or host is for, in words; undefined for a rule of any host. */
export function hostOf ({ subdomain, host }: FlaskRule): string | undefined {
  if (subdomain !== null) return `only for the subdomain ${subdomain}`
  return host === null ? undefined : `only for the host ${host}`
}

/** A route's methods without the HEAD Fastify adds for GET. */
function routeMethods (methods: Iterable<string>): string[] {
  const all = [...methods]
  return all.filter((method) => !(method === 'HEAD' && all.includes('GET'))).sort()
}

/** The path with its trailing slash left out, or one added. */
function slashTwin (path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`
}

/**
 * Each Flask rule is made into a path it matches, which the service's router (find-my-way, as Fastify's) routes for
 * each of the view's methods: served when it finds a route of the rule's shape, so that a route whose parameter takes
 * other values than the rule's (`/:id(^\\d+$)` beside `<any(new, popular):listing>`) is not taken for it.
 */
export function matchRoutes (rules: FlaskRule[], routes: ServiceRoute[]): RouteMatch {
  // Each route's handler gives its URL.
  const router = FindMyWay()
  for (const { url, methods } of routes) {
    for (const method of methods) router.on(method as HTTPMethod, url, () => url)
  }
  const urlOf = (method: string, path: string): string | undefined =>
    (router.find(method as HTTPMethod, path)?.handler as (() => string) | undefined)?.()
  const methodsAt = (url: string): string[] =>
    routeMethods(routes.filter((route) => route.url === url).flatMap(({ methods }) => methods))

  const claimed = new Map<string, Set<string>>()
  const ported: PortedRule[] = []
  const missing: MissingRule[] = []
  for (const rule of rules) {
    const shape = flaskShape(rule.rule)
    const path = samplePath(rule)
    const methods = viewMethods(rule)
    // Each of the view's methods the service serves, with the route that serves it.
    const servedBy = new Map(methods.flatMap((method) => {
      const url = urlOf(method, path)
      return url !== undefined && serviceShape(url) === shape ? [[method, url] as const] : []
    }))
    const served = [...servedBy.keys()]
    for (const [method, url] of servedBy) claimed.set(url, new Set([...claimed.get(url) ?? [], method]))
    const base = { rule: rule.rule, endpoint: rule.endpoint, methods }
    const forHost = hostOf(rule)
    if (forHost !== undefined) {
      missing.push({ ...base, static: rule.static, note: `${forHost}: the service's routes match the path alone` })
      continue
    }
    if (served.length > 0) {
      const url = servedBy.values().next().value as string
      ported.push({ ...base, url, missingMethods: methods.filter((method) => !served.includes(method)) })
      continue
    }
    const atPath = ['GET', ...methods].map((method) => urlOf(method, path)).find((url) => url !== undefined)
    const twin = ['GET', ...methods].map((method) => urlOf(method, slashTwin(path))).find((url) => url !== undefined)
    const only = atPath === undefined ? '' : `for ${methodsAt(atPath).join(', ')} only`
    const note = atPath !== undefined
      ? atPath === path ? `the service has ${path} ${only}` : `the service routes ${path} to ${atPath}, ${only}`
      : twin === undefined
        ? undefined
        : `the service has ${twin}, the trailing slash ${path.endsWith('/') ? 'left out' : 'added'}`
    missing.push({ ...base, static: rule.static, ...(note === undefined ? {} : { note }) })
  }
  const extra: ExtraRoute[] = []
  for (const url of new Set(routes.map((route) => route.url))) {
    const unclaimed = methodsAt(url).filter((method) => claimed.get(url)?.has(method) !== true)
    if (unclaimed.length > 0) extra.push({ url, methods: unclaimed })
  }
  return { ported, missing, extra }
}
