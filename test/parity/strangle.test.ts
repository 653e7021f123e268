// The strangler's configuration: each ported rule's path as Werkzeug matches it, with the methods the service serves,
// sent to the service; everything else to Flask; written to a file or printed.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parity } from '../../parity/cli.ts'
import { matchRoutes } from '../../parity/match.ts'
import { pathPattern, strangleConfig } from '../../parity/strangle.ts'
import { flaskRule, flaskVariable, SEED, SHOP, SHOP_PORT } from '../helpers/parity.ts'

t.test("a rule's path as a pattern: its static parts escaped, each variable as Werkzeug's converter matches it",
  async (t) => {
    const id = flaskVariable('id', 'int', { regex: '\\d+' })
    const rest = flaskVariable('rest', 'path', { regex: '[^/].*?' })
    t.equal(pathPattern(flaskRule('/items/<int:id>.json', ['GET'], 'item', [id])), '/items/(?:\\d+)\\.json')
    t.equal(pathPattern(flaskRule('/a+b/<path:rest>', ['GET'], 'rest', [rest])), '/a\\+b/(?:[^/].*?)')
  })

t.test('the map: a ported rule to the service for the methods it serves; a partly ported one without OPTIONS',
  async (t) => {
    const rules = [
      flaskRule('/items/<int:id>', ['GET', 'PUT'], 'item', [flaskVariable('id', 'int', { regex: '\\d+' })]),
      flaskRule('/orders', ['POST'], 'orders'),
      flaskRule('/about', ['GET'], 'about'),
      flaskRule('/pages/<name>', ['GET'], 'page', [flaskVariable('name', 'default', { regex: '[^/]{1,}' })]),
      flaskRule('/pages/new', ['GET'], 'new_page')
    ]
    const config = strangleConfig(rules, matchRoutes(rules, [
      { url: '/items/:id', methods: ['GET', 'HEAD'] },
      { url: '/orders', methods: ['POST'] },
      { url: '/pages/:name', methods: ['GET', 'HEAD'] }
    ]), { flaskUpstream: 'flask:5000', serviceUpstream: 'app:3000', listen: '80' })
    t.match(config, '    "~^(?:GET|HEAD|OPTIONS) /pages/(?:[^/]{1,})$" service;\n')
    t.match(config, '    "GET /pages/new" flask;\n    "HEAD /pages/new" flask;\n    "OPTIONS /pages/new" flask;\n',
      'a rule without variables that Flask tries first, not ported: kept on Flask, by name')
    t.match(config, '    "~^(?:GET|HEAD) /items/(?:\\d+)$" service;\n')
    t.match(config, '    "~^(?:POST|OPTIONS) /orders$" service;\n')
    t.notMatch(config, '/about', 'a rule not ported stays with the default, Flask')
    t.match(config, 'upstream strangler_flask {\n    server flask:5000;')
    t.match(config, 'upstream strangler_service {\n    server app:3000;')
    t.match(config, '    listen 80;')
    t.match(config, '        add_header X-Served-By $strangled_by always;')
  })

t.test('strangle on the command line: printed, or written with --out; upstreams required', async (t) => {
  const argv = ['strangle', '--flask-app', SHOP.app, '--flask-path', SHOP.path as string, '--service-app', SHOP_PORT,
    '--flask-upstream', '127.0.0.1:5000', '--service-upstream', '127.0.0.1:3000']
  let printed = ''
  t.equal(await parity(argv, (text) => { printed += text }), 0)
  t.match(printed, '    listen 80;')
  t.match(printed, '    "~^(?:GET|HEAD|OPTIONS) /api/status$" service;')
  const dir = await mkdtemp(join(tmpdir(), 'parity-strangle-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  t.equal(await parity([...argv, '--listen', '127.0.0.1:8080', '--out', join(dir, 'strangler.conf')], () => {}), 0)
  t.match(await readFile(join(dir, 'strangler.conf'), 'utf8'), '    listen 127.0.0.1:8080;')
  let seed = ''
  t.equal(await parity(['strangle', '--flask-app', SEED.app, '--flask-path', SEED.path as string,
    '--flask-upstream', 'flask:5000', '--service-upstream', 'app:3000'], (text) => { seed += text }), 0)
  t.match(seed, '    "~^(?:GET|HEAD|OPTIONS) /sync$" service;', "this service's routes by default: the seed's ported")
  await t.rejects(parity([...argv, '--out', join(dir, 'nowhere', 'strangler.conf')], () => {}),
    { name: 'ParityError', message: /^Cannot write .*nowhere\/strangler\.conf: ENOENT/ })
  await t.rejects(parity(['strangle', '--flask-app', SHOP.app, '--flask-upstream', '127.0.0.1:5000'], () => {}),
    { message: 'strangle needs --flask-upstream and --service-upstream (--help)' })
})
