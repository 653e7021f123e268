// The Flask apps npm run parity's tests take over: the shop (test/fixtures/flask-shop, with its partial port beside
// it) and the seed's own (bench/flask); rules and variables made as the helper reads them; a Flask app served.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { pythonWithFlask } from '../../bench/lib/targets.ts'
import type { FlaskApp, FlaskRule, FlaskVariable } from '../../parity/flask.ts'
import { freePort } from './redis-server.ts'

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
    subdomain: null,
    host: null,
    arguments: variables
  }
}

/** A Python that runs async Flask views (Flask and its asgiref), as the seed's do: the tests serve Flask apps on it. */
export function pythonWithAsyncFlask (): string {
  const found = pythonWithFlask()
  if (found === undefined) {
    throw new Error('No python3 here runs async Flask views: the tests need the Debian packages python3-flask and ' +
      'python3-asgiref (npm test installs them: node scripts/system-packages.mjs)')
  }
  return found
}

/**
 * A Flask app served by Flask's own server for the test `t`, stopped when it ends: `code` is the Python that runs it,
 * in `cwd`, with PORT set to a free port; resolves to its base URL once it answers.
 */
export async function serveFlask (t: Test, cwd: string, code: string): Promise<string> {
  const port = await freePort()
  const child = spawn(pythonWithAsyncFlask(), ['-c', code],
    { cwd, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' })
  t.teardown(() => { child.kill() })
  const url = `http://127.0.0.1:${port}`
  for (const deadline = performance.now() + 30_000; ;) {
    if (await fetch(url, { method: 'OPTIONS' }).then(() => true, () => false)) return url
    if (child.exitCode !== null || performance.now() > deadline) throw new Error(`Flask did not start: ${code}`)
    await sleep(50)
  }
}
