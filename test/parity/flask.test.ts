// A Flask app's rules as the Python helper reads them, from the shop (blueprints, every converter, a static folder, a
// redirect rule) and the seed; and each refusal in one line: no Flask, an import that fails, a factory that needs
// arguments, a Python that cannot be run.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { findPython, flaskRules, type FlaskRule } from '../../parity/flask.ts'
import { FIXTURES, SEED, SHOP } from '../helpers/parity.ts'

/** A Python that runs as `python3` with the options given, in a temporary folder removed when `t` ends. */
async function pythonWith (t: Test, script: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parity-python-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const path = join(dir, 'python')
  await writeFile(path, `#!/bin/sh\n${script}\n`)
  await chmod(path, 0o755)
  return path
}

t.test("the shop's rules, in Flask's order, each with its methods, endpoint and converters", async (t) => {
  const rules = flaskRules(SHOP)
  const byRule = new Map(rules.map((rule) => [rule.rule, rule]))
  t.same(rules.map(({ rule }) => rule), [
    '/static/<path:filename>',
    '/catalog/',
    '/catalog/<int:item_id>',
    '/catalog/<any(new, popular):listing>',
    '/catalog/under/<float:price>',
    '/catalog/ref/<uuid:ref>',
    '/catalog/tag/<string(length=3):code>',
    '/catalog/page/<int(min=1, max=50):number>',
    '/catalog/files/<path:name>',
    '/api/orders',
    '/api/orders/<int:order_id>',
    '/api/status',
    '/',
    '/old-catalog',
    '/shop'
  ])
  t.match(byRule.get('/catalog/<int:item_id>'), {
    methods: ['GET', 'HEAD', 'OPTIONS', 'PUT'],
    endpoint: 'catalog.item',
    automaticOptions: true,
    strictSlashes: true,
    redirectTo: null,
    static: false,
    arguments: [{ name: 'item_id', converter: 'int', builtin: true, args: [], kwargs: {}, regex: '\\d+' }]
  } satisfies Partial<FlaskRule>)
  t.match(byRule.get('/catalog/<any(new, popular):listing>')?.arguments,
    [{ converter: 'any', args: ['new', 'popular'], regex: '(?:new|popular)' }])
  t.match(byRule.get('/catalog/tag/<string(length=3):code>')?.arguments,
    [{ converter: 'string', kwargs: { length: 3 } }])
  t.match(byRule.get('/catalog/page/<int(min=1, max=50):number>')?.arguments, [{ kwargs: { min: 1, max: 50 } }])
  t.same(byRule.get('/api/orders')?.methods, ['OPTIONS', 'POST'], 'no GET, so no HEAD')
  t.match(byRule.get('/static/<path:filename>'), { endpoint: 'static', static: true })
  t.match(byRule.get('/shop'), { endpoint: 'shop', redirectTo: '/catalog/' })
})

t.test("the seed's three routes, the app found in its module as flask --app finds it", async (t) => {
  t.same(flaskRules(SEED).filter((rule) => !rule.static).map(({ rule, endpoint }) => [rule, endpoint]),
    [['/', 'index'], ['/wait', 'wait'], ['/sync', 'sync_route']])
})

t.test('a rule for one subdomain says so; the others are for any', async (t) => {
  const rules = flaskRules({ app: 'subdomains', path: join(FIXTURES, 'flask-apps') })
  t.same(rules.map(({ endpoint, subdomain, host }) => [endpoint, subdomain, host]),
    [['home', null, null], ['admin', 'admin', null]])
})

t.test('what cannot be loaded is said in one line', async (t) => {
  const broken = join(FIXTURES, 'flask-apps')
  t.throws(() => flaskRules({ app: 'needs_args', path: broken }), {
    name: 'ParityError',
    message: "Cannot load the Flask app 'needs_args': Detected factory 'create_app' in module 'needs_args', but " +
      "could not call it without arguments. Use 'needs_args:create_app(args)' to specify arguments."
  })
  t.throws(() => flaskRules({ app: 'broken_import', path: broken }), {
    message: "Cannot load the Flask app 'broken_import': ModuleNotFoundError: No module named 'no_such_module' " +
      '(broken_import.py, line 2)'
  })
  t.throws(() => flaskRules({ app: 'nowhere', path: broken }), {
    message: "Cannot load the Flask app 'nowhere': Could not import 'nowhere'."
  })
  t.throws(() => flaskRules({ app: 'needs_args:missing', path: broken }), {
    message: "Cannot load the Flask app 'needs_args:missing': Failed to find attribute 'missing' in 'needs_args'."
  })
  t.throws(() => flaskRules({ app: 'slow_import', path: broken, loadTimeoutMs: 1000 }), {
    message: 'The Flask app slow_import did not load within 1 s: ' +
      'does its import wait for something, such as a database?'
  })
  t.throws(() => flaskRules({ app: 'chatty', path: broken }), {
    message: /^The Flask app chatty printed something besides its rules: \{"rules": \[/
  })
  t.throws(() => flaskRules({ app: 'needs_args' }), {
    message: "Cannot load the Flask app 'needs_args': Could not import 'needs_args'."
  }, 'without a path, looked for where the process runs')
})

t.test('a Python without Flask, one that cannot be run, one that fails without a word', async (t) => {
  // -S: without the site packages, where Flask is.
  const noFlask = await pythonWith(t, `exec ${findPython()} -S "$@"`)
  t.throws(() => flaskRules({ ...SHOP, python: noFlask }), {
    message: /^\S+ cannot import Flask: install it \(Debian: apt-get install python3-flask\), or name a Python that can /
  })
  t.throws(() => flaskRules({ ...SHOP, python: '/nonexistent/python3' }),
    { message: /^Cannot run \/nonexistent\/python3: spawnSync \/nonexistent\/python3 ENOENT$/ })
  const silent = await pythonWith(t, 'exit 3')
  t.throws(() => flaskRules({ ...SHOP, python: silent }), { message: `${silent} ended with status 3` })
})

t.test('the Python: PYTHON when set, else the first that imports Flask, else the first there is', async (t) => {
  t.equal(findPython({ PYTHON: '/opt/python/bin/python3' }), '/opt/python/bin/python3')
  const withFlask = findPython({})
  const noFlask = await pythonWith(t, 'exec /bin/false')
  t.equal(findPython({}, [noFlask, withFlask]), withFlask, 'one that imports Flask before one that does not')
  t.equal(findPython({}, [noFlask]), noFlask, 'with none that imports Flask, the first there is')
  t.throws(() => findPython({}, ['/nonexistent/python3']),
    { message: 'No python3 here: install Python with Flask, or name one with PYTHON' })
})
