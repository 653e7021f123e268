// The Flask apps npm run parity's tests take over: the shop (test/fixtures/flask-shop, with its partial port beside
// it) and the seed's own (bench/flask).
import { join } from 'node:path'
import type { FlaskApp, FlaskRule, FlaskVariable } from '../../parity/flask.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const FIXTURES = join(ROOT, 'test', 'fixtures')
export const SHOP: FlaskApp = { app: 'shop:create_app()', path: join(FIXTURES, 'flask-shop') }
export const SHOP_PORT = join(FIXTURES, 'flask-shop', 'port', 'app.ts')
export const SEED: FlaskApp = { app: 'app', path: join(ROOT, 'bench', 'flask') }

/** A variable of a rule, as the helper reads it: Werkzeug's own converter unless `builtin` says otherwise. */
export function flaskVariable (
  name: string,
  converter: string,
  { kwargs = {}, args = [], regex = '', builtin = true }:
  { kwargs?: Record<string, unknown>, args?: unknown[], regex?: string, builtin?: boolean } = {}
): FlaskVariable {
  return { name, converter, builtin, args, kwargs, regex }
}

/** A rule as Flask has it: HEAD with GET, its own OPTIONS. */
export function flaskRule (
  path: string,
  methods: string[],
  endpoint: string,
  variables: FlaskVariable[] = []
): FlaskRule {
  return {
    rule: path,
    methods: [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort(),
    endpoint,
    automaticOptions: true,
    strictSlashes: true,
    redirectTo: null,
    static: false,
    arguments: variables
  }
}
