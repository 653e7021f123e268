// Flask's rules matched to a Fastify app's routes: by shape and through the service's own router, so that parameter
// names and converters do not matter but the values a parameter takes do; methods as each framework has them.
import t from 'tap'
import type { FlaskVariable } from '../../parity/flask.ts'
import { flaskShape, matchRoutes, serviceShape, viewMethods } from '../../parity/match.ts'
import { flaskRule, flaskVariable } from '../helpers/parity.ts'

const int = (name: string): FlaskVariable => flaskVariable(name, 'int', { regex: '\\d+' })
const rule = flaskRule

t.test('shapes: a variable is a parameter whatever its name, converter or pattern; path is the wildcard', async (t) => {
  t.equal(flaskShape('/items/<int:item_id>/update'), '/items/:/update')
  t.equal(flaskShape('/items/<name>'), '/items/:')
  t.equal(flaskShape('/tag/<string(length=3):code>.json'), '/tag/:.json')
  t.equal(flaskShape('/files/<path:rest>'), '/files/*')
  t.equal(flaskShape('/time/10:30/<int:n>'), '/time/10::30/:', "a colon of the path's own, as Fastify writes it")
  t.equal(serviceShape('/items/:id/update'), '/items/:/update')
  t.equal(serviceShape('/items/:id(^(?:new|popular)$)'), '/items/:')
  t.equal(serviceShape('/near/:lat-:lng/radius'), '/near/:-:/radius')
  t.equal(serviceShape('/tag/:code.json'), '/tag/:.json')
  t.equal(serviceShape('/time/10::30'), '/time/10::30', 'a literal colon stays')
  t.equal(serviceShape('/files/*'), '/files/*')
})

t.test("a view's methods: not the HEAD Werkzeug adds for GET, nor Flask's own OPTIONS", async (t) => {
  t.same(viewMethods(rule('/a', ['GET'], 'a')), ['GET'])
  t.same(viewMethods(rule('/a', ['POST'], 'a')), ['POST'])
  t.same(viewMethods({ ...rule('/a', ['GET'], 'a'), automaticOptions: false }), ['GET', 'OPTIONS'],
    'an OPTIONS the view answers itself is its own')
  t.same(viewMethods({ ...rule('/a', [], 'a'), methods: ['HEAD', 'OPTIONS'] }), ['HEAD'], 'a HEAD without GET too')
})

t.test('ported, partly, missing and extra', async (t) => {
  const rules = [
    rule('/items', ['GET', 'POST'], 'items.index'),
    rule('/items/<int:item_id>', ['GET', 'PUT'], 'items.item', [int('item_id')]),
    rule('/items/<any(new, popular):listing>', ['GET'], 'items.listing',
      [flaskVariable('listing', 'any', { args: ['new', 'popular'], regex: '(?:new|popular)' })]),
    rule('/orders/', ['GET'], 'orders'),
    rule('/about', ['GET'], 'about'),
    rule('/files/<path:name>', ['GET'], 'files', [flaskVariable('name', 'path', { regex: '[^/].*?' })]),
    rule('/login', ['POST'], 'login')
  ]
  const match = matchRoutes(rules, [
    { url: '/items', methods: ['GET', 'HEAD', 'POST'] },
    { url: '/items/:id(^\\d+$)', methods: ['GET', 'HEAD', 'DELETE'] },
    { url: '/orders', methods: ['GET', 'HEAD'] },
    { url: '/files/*', methods: ['GET', 'HEAD'] },
    { url: '/login', methods: ['GET', 'HEAD'] },
    { url: '/health', methods: ['GET', 'HEAD'] }
  ])
  t.same(match.ported, [
    { rule: '/items', endpoint: 'items.index', methods: ['GET', 'POST'], url: '/items', missingMethods: [] },
    {
      rule: '/items/<int:item_id>',
      endpoint: 'items.item',
      methods: ['GET', 'PUT'],
      url: '/items/:id(^\\d+$)',
      missingMethods: ['PUT']
    },
    { rule: '/files/<path:name>', endpoint: 'files', methods: ['GET'], url: '/files/*', missingMethods: [] }
  ])
  t.same(match.missing, [
    // Its values are not the route's: /items/new is no /items/:id(^\d+$).
    { rule: '/items/<any(new, popular):listing>', endpoint: 'items.listing', methods: ['GET'], static: false },
    {
      rule: '/orders/',
      endpoint: 'orders',
      methods: ['GET'],
      static: false,
      note: 'the service has /orders, the trailing slash left out'
    },
    { rule: '/about', endpoint: 'about', methods: ['GET'], static: false },
    {
      rule: '/login',
      endpoint: 'login',
      methods: ['POST'],
      static: false,
      note: 'the service has /login for GET only'
    }
  ])
  t.same(match.extra, [
    { url: '/items/:id(^\\d+$)', methods: ['DELETE'] },
    { url: '/orders', methods: ['GET'] },
    { url: '/login', methods: ['GET'] },
    { url: '/health', methods: ['GET'] }
  ])
})

t.test('a rule for one subdomain or host is never taken as ported: the service routes by path alone', async (t) => {
  const match = matchRoutes([
    { ...rule('/', ['GET'], 'admin'), subdomain: 'admin' },
    { ...rule('/', ['GET'], 'api'), host: 'api.shop.example' }
  ], [{ url: '/', methods: ['GET', 'HEAD'] }])
  t.same(match.ported, [])
  t.same(match.missing.map(({ note }) => note), [
    "only for the subdomain admin: the service's routes match the path alone",
    "only for the host api.shop.example: the service's routes match the path alone"
  ])
})

t.test('a trailing slash the service adds, a route of another shape, and a static folder, are said', async (t) => {
  const match = matchRoutes([
    rule('/about', ['GET'], 'about'),
    rule('/files/<int:number>', ['GET'], 'file', [int('number')]),
    {
      ...rule('/static/<path:filename>', ['GET'], 'static'),
      static: true,
      arguments: [flaskVariable('filename', 'path', { regex: '[^/].*?' })]
    }
  ], [{ url: '/about/', methods: ['GET', 'HEAD'] }, { url: '/files/*', methods: ['GET', 'HEAD'] }])
  t.same(match.missing.map(({ note, static: isStatic }) => [note, isStatic]), [
    ['the service has /about/, the trailing slash added', false],
    ['the service routes /files/1 to /files/*, for GET only', false],
    [undefined, true]
  ])
})
