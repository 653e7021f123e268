// npm run parity -- routes: the Flask app's rules beside the service's routes, matched: ported, missing, extra, and the
// methods that differ; a table, or JSON.
import type { FlaskRule } from './flask.ts'
import { matchRoutes, type RouteMatch } from './match.ts'
import type { ServiceRoute } from './service.ts'
import { table } from './table.ts'

export interface RoutesReport extends RouteMatch {
  flask: Array<Pick<FlaskRule, 'rule' | 'methods' | 'endpoint'>>
  service: ServiceRoute[]
}

export function routesReport (rules: FlaskRule[], routes: ServiceRoute[]): RoutesReport {
  return {
    flask: rules.map(({ rule, methods, endpoint }) => ({ rule, methods, endpoint })),
    service: routes,
    ...matchRoutes(rules, routes)
  }
}

/** The report as a table: each Flask rule with what became of it, then the service's extra routes, then a count. */
export function routesTable ({ ported, missing, extra }: RoutesReport): string {
  const rows = [
    ...ported.map(({ rule, endpoint, methods, url, missingMethods }) => [
      missingMethods.length === 0 ? 'ported' : 'partly',
      rule,
      methods.join(', '),
      endpoint,
      url,
      missingMethods.length === 0 ? '' : `not served: ${missingMethods.join(', ')}`
    ]),
    ...missing.map(({ rule, endpoint, methods, static: isStatic, note }) => [
      'missing',
      rule,
      methods.join(', '),
      endpoint,
      '',
      [isStatic ? 'a static folder: serve it with @fastify/static' : '', note ?? ''].filter(Boolean).join('; ')
    ]),
    ...extra.map(({ url, methods }) => ['extra', '', methods.join(', '), '', url, 'no Flask rule has these'])
  ]
  const partly = ported.filter(({ missingMethods }) => missingMethods.length > 0).length
  return table(['', 'Flask rule', 'methods', 'endpoint', 'service route', 'note'], rows) + '\n\n' +
    `${ported.length - partly} ported, ${partly} partly, ${missing.length} missing, ${extra.length} extra`
}
