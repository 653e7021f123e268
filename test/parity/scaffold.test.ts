// What scaffold writes for the shop's rules into a project: a module and a test per resource, index.ts where free,
// from-flask.ts beside an index.ts that exists, nothing over a file that exists; each rule's path, parameters and
// answer; and the rules it leaves to be ported by hand, with why.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { flaskRules, type FlaskRule, type FlaskVariable } from '../../parity/flask.ts'
import { scaffoldPlan, writePlan } from '../../parity/scaffold.ts'
import { flaskRule, flaskVariable, SHOP } from '../helpers/parity.ts'

/** A project folder holding `files` (path: content), removed when `t` ends. */
async function project (t: Test, files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'parity-scaffold-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true })
    await writeFile(join(root, path), content)
  }
  return root
}

const shop = flaskRules(SHOP)
const ofShop = (...rules: string[]): FlaskRule[] => shop.filter(({ rule }) => rules.includes(rule))

t.test('a module and a test per resource; the rules left, with why', async (t) => {
  const root = await project(t, { 'routes/index.ts': '' })
  const plan = scaffoldPlan(shop, root)
  t.same(plan.files.map(({ path }) => path), [
    'routes/catalog/index.ts',
    'test/routes/catalog/index.test.ts',
    'routes/api/index.ts',
    'test/routes/api/index.test.ts',
    'routes/from-flask.ts',
    'test/routes/from-flask.test.ts',
    'routes/old-catalog/index.ts',
    'test/routes/old-catalog/index.test.ts',
    'routes/shop/index.ts',
    'test/routes/shop/index.test.ts'
  ])
  t.same(plan.left, [
    {
      rule: '/static/<path:filename>',
      reason: 'a static folder: serve it with @fastify/static (plugins/external/static.ts)'
    },
    {
      rule: '/catalog/<any(new, popular):listing>',
      reason: "Fastify's router takes one route for it and /catalog/<int:item_id>, which differ only in the values " +
        'their variables take or share a method: port them as one route whose handler tells the requests apart'
    }
  ])
})

t.test("each rule's route: its methods, its path with the converter's pattern, its parameters typed", async (t) => {
  const { files } = scaffoldPlan(shop, await project(t))
  const catalog = files.find(({ path }) => path === 'routes/catalog/index.ts')?.content ?? ''
  const routeOf = (url: string): string => catalog.slice(catalog.indexOf(`url: '${url}'`) - 40)
    .split('  })\n')[0] as string
  t.match(routeOf('/:item_id(^\\\\d+$)'), "method: ['GET', 'PUT']")
  t.match(routeOf('/:item_id(^\\\\d+$)'), 'params: Type.Object({ item_id: Type.Integer({ minimum: 0 }) })')
  t.match(routeOf('/under/:price(^\\\\d+\\\\.\\\\d+$)'), 'price: Type.Number({ minimum: 0 })')
  t.match(routeOf('/ref/:ref(^[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$)'),
    "ref: Type.String({ format: 'uuid' })")
  t.match(routeOf('/tag/:code(^[^/]{3}$)'), 'code: Type.String({ minLength: 3, maxLength: 3 })')
  t.match(routeOf('/page/:number(^\\\\d+$)'), 'number: Type.Integer({ minimum: 1, maximum: 50 })')
  t.match(routeOf('/files/*'), "params: Type.Object({ '*': Type.String() })")
  t.match(routeOf('/'), "summary: \"Flask's catalog.index: /catalog/\"")
  t.match(routeOf('/'), 'throw fastify.httpErrors.notImplemented(')
  t.match(routeOf('/'), "request.url} is not ported yet: Flask's catalog.index answers it`)")
  t.notMatch(routeOf('/'), 'params:', 'no parameters, no schema for them')
  const redirect = files.find(({ path }) => path === 'routes/shop/index.ts')?.content ?? ''
  t.match(redirect, "url: '',")
  t.match(redirect, "handler: async (request, reply) => await reply.redirect('/catalog/', 308)")
  t.notMatch(redirect, 'ErrorResponse', 'a redirect is ported whole: no 501')
})

t.test("each rule's test: every method asked, and a value the converter refuses", async (t) => {
  const { files } = scaffoldPlan(ofShop('/api/orders/<int:order_id>', '/shop'), await project(t))
  const api = files.find(({ path }) => path === 'test/routes/api/index.test.ts')?.content ?? ''
  t.match(api, "import { build } from '../../helpers/app.ts'")
  for (const method of ['DELETE', 'GET', 'PUT']) {
    t.match(api, `const response = await app.inject({ method: '${method}', url: '/api/orders/1' })`)
    t.match(api, `"${method} /api/orders/1 is not ported yet: Flask's api.order answers it"`)
  }
  t.match(api, "const response = await app.inject({ method: 'GET', url: '/api/orders/x' })")
  const redirect = files.find(({ path }) => path === 'test/routes/shop/index.test.ts')?.content ?? ''
  t.match(redirect, "t.same([response.statusCode, response.headers.location], [308, '/catalog/'])")
})

t.test('beside an index.ts, from-flask.ts; beside both, nothing: the rules are left', async (t) => {
  const rules = ofShop('/api/status', '/catalog/')
  const root = await project(t, {
    'routes/api/index.ts': '',
    'routes/catalog/index.ts': '',
    'routes/catalog/from-flask.ts': ''
  })
  const plan = scaffoldPlan(rules, root)
  t.same(plan.files.map(({ path }) => path), ['routes/api/from-flask.ts', 'test/routes/api/from-flask.test.ts'])
  t.same(plan.left, [{ rule: '/catalog/', reason: 'routes/catalog/from-flask.ts exists, and is not overwritten' }])
})

t.test('one URL in two rules is one route per method: left only where a method is in both', async (t) => {
  const id = flaskVariable('id', 'int', { regex: '\\d+' })
  const plan = scaffoldPlan([
    flaskRule('/items/<int:id>', ['GET'], 'show', [id]),
    flaskRule('/items/<int:id>', ['DELETE'], 'remove', [id]),
    flaskRule('/items/<int:id>', ['GET', 'PUT'], 'change', [id])
  ], await project(t))
  const module = plan.files.find(({ path }) => path === 'routes/items/index.ts')?.content ?? ''
  t.match(module, "method: ['GET'],")
  t.match(module, "method: ['DELETE'],")
  t.same(plan.left.map(({ rule }) => rule), ['/items/<int:id>'], 'the third, whose GET the first has')
})

t.test('a rule for one subdomain is left to be written by hand', async (t) => {
  t.same(scaffoldPlan([{ ...flaskRule('/reports', ['GET'], 'reports'), subdomain: 'admin' }], await project(t)).left,
    [{ rule: '/reports', reason: "only for the subdomain admin: write it by hand, with Fastify's host constraint" }])
})

t.test('a path variable before the end is left: Fastify takes * last only', async (t) => {
  const files = ofShop('/catalog/files/<path:name>')
    .map((rule) => ({ ...rule, rule: '/catalog/files/<path:name>/edit' }))
  t.same(scaffoldPlan(files, await project(t)).left, [
    { rule: '/catalog/files/<path:name>/edit', reason: 'a path variable before the end: Fastify takes * last only' }
  ])
})

t.test('written, never over a file that has appeared since the plan', async (t) => {
  const root = await project(t)
  const plan = scaffoldPlan(ofShop('/api/status'), root)
  await writePlan(plan, root)
  t.equal(await readFile(join(root, 'routes/api/index.ts'), 'utf8'), plan.files[0]?.content)
  await writeFile(join(root, 'routes/api/index.ts'), '// by hand')
  await t.rejects(writePlan(plan, root), { name: 'ParityError', message: /^Cannot write routes\/api\/index\.ts: EEXIST/ })
  t.equal(await readFile(join(root, 'routes/api/index.ts'), 'utf8'), '// by hand')
})

t.test("every converter's path and parameter; a rule whose variable comes first goes to routes/", async (t) => {
  const variable = (name: string, converter: string, kwargs: Record<string, unknown>, regex: string): FlaskVariable =>
    flaskVariable(name, converter, { kwargs, regex })
  const rule = (path: string, variables: FlaskVariable[]): FlaskRule => flaskRule(path, ['GET'], 'view', variables)
  const plan = scaffoldPlan([
    rule('/<lang>/about', [variable('lang', 'default', {}, '[^/]+')]),
    rule('/p/<int(signed=True):delta>', [variable('delta', 'int', { signed: true }, '-?\\d+')]),
    rule('/p/at/<float(signed=True):x>', [variable('x', 'float', { signed: true }, '-?\\d+\\.\\d+')]),
    rule('/p/over/<float(min=2.5):x>', [variable('x', 'float', { min: 2.5 }, '\\d+\\.\\d+')]),
    rule('/p/name/<string(minlength=2, maxlength=5):name>',
      [variable('name', 'string', { minlength: 2, maxlength: 5 }, '[^/]{2,5}')]),
    rule('/p/word/<string(minlength=1):word>', [variable('word', 'string', { minlength: 1 }, '[^/]{1,}')]),
    rule('/p/slug/<slug:slug>', [{ ...variable('slug', 'slug', {}, '[a-z-]+'), builtin: false }]),
    rule('/p/item/<int:id>/<name>', [variable('id', 'int', {}, '\\d+'), variable('name', 'default', {}, '[^/]+')]),
    rule('/p/at/10:30/<int:n>', [variable('n', 'int', {}, '\\d+')]),
    rule('/p/python/<py:x>', [{ ...variable('x', 'py', {}, '(?P<x>[a-z]+)'), builtin: false }])
  ], await project(t))
  const module = (path: string): string => plan.files.find((file) => file.path === path)?.content ?? ''
  t.match(module('routes/index.ts'), "url: '/:lang/about',")
  t.match(module('routes/index.ts'), 'params: Type.Object({ lang: Type.String() })')
  const p = module('routes/p/index.ts')
  for (const expected of [
    "url: '/:delta(^-?\\\\d+$)'", 'delta: Type.Integer()',
    "url: '/at/:x(^-?\\\\d+\\\\.\\\\d+$)'", 'x: Type.Number()',
    "url: '/over/:x(^\\\\d+\\\\.\\\\d+$)'", 'x: Type.Number({ minimum: 2.5 })',
    "url: '/name/:name(^[^/]{2,5}$)'", 'name: Type.String({ minLength: 2, maxLength: 5 })',
    "url: '/word/:word'", 'word: Type.String({ minLength: 1 })',
    "url: '/slug/:slug(^[a-z-]+$)'", 'slug: Type.String()',
    "url: '/item/:id(^\\\\d+$)/:name'",
    "url: '/at/10::30/:n(^\\\\d+$)'"
  ]) t.match(p, expected)
  t.same(plan.left, [{
    rule: '/p/python/<py:x>',
    reason: "its converter's pattern, (?P<x>[a-z]+), is Python's, not JavaScript's: write its path by hand"
  }])
  t.match(module('test/routes/p/index.test.ts'), "url: '/p/item/x/a'", 'refused: the int, the name as it is taken')
  t.match(module('test/routes/index.test.ts'), "url: '/a/about'")
})
