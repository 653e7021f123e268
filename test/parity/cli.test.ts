// npm run parity's command line: its help, its verbs on the shop and its port, and its refusals, one line each on
// stderr with exit status 2.
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { HELP, main, parity } from '../../parity/cli.ts'
import { FIXTURES, ROOT, SHOP, SHOP_PORT } from '../helpers/parity.ts'

// Each verb loads a Flask app in a Python process of its own: 12 to 15 s in all under CI, a busy machine's time more.
t.setTimeout(120_000)

const shop = ['--flask-app', SHOP.app, '--flask-path', SHOP.path as string]

/** What `argv` prints and its exit status. */
async function run (argv: string[]): Promise<{ status: number, printed: string }> {
  let printed = ''
  const status = await parity(argv, (text) => { printed += text })
  return { status, printed }
}

t.test('--help prints the verbs and options; no verb prints it too, as a usage error', async (t) => {
  t.same(await run(['--help']), { status: 0, printed: HELP })
  t.same(await run([]), { status: 2, printed: HELP })
  t.match(HELP, /^ {2}routes {5}/m)
  t.match(HELP, /^ {2}scaffold {3}/m)
  t.match(HELP, /^ {2}--flask-app SPEC/m)
})

t.test("routes: a table of the shop's rules against its port, then a count; or JSON", async (t) => {
  const table = await run(['routes', ...shop, '--service-app', SHOP_PORT])
  t.equal(table.status, 0)
  t.match(table.printed,
    /^partly +\/catalog\/<int:item_id> +GET, PUT +catalog\.item +\/catalog\/:itemId\(\^\\d\+\$\) +not served: PUT$/m)
  t.match(table.printed, /^extra +GET +\/healthz +no Flask rule has these$/m)
  t.match(table.printed, /\n\n4 ported, 1 partly, 10 missing, 2 extra$/)
  const json = await run(['routes', ...shop, '--service-app', SHOP_PORT, '--json'])
  const report = JSON.parse(json.printed)
  t.same(Object.keys(report), ['flask', 'service', 'ported', 'missing', 'extra'])
  t.same(report.flask[2],
    { rule: '/catalog/<int:item_id>', methods: ['GET', 'HEAD', 'OPTIONS', 'PUT'], endpoint: 'catalog.item' })
  t.same(report.extra, [{ url: '/catalog', methods: ['GET'] }, { url: '/healthz', methods: ['GET'] }])
})

t.test('scaffold --dry-run lists what it would write and writes nothing; without, it writes', async (t) => {
  const into = await mkdtemp(join(tmpdir(), 'parity-cli-'))
  t.teardown(async () => { await rm(into, { recursive: true, force: true }) })
  const scaffold = ['scaffold', ...shop, '--service-app', SHOP_PORT, '--into', into]
  const dry = await run([...scaffold, '--dry-run'])
  t.equal(dry.status, 0)
  t.match(dry.printed, /^would write routes\/catalog\/index\.ts$/m)
  t.match(dry.printed, /^left \/static\/<path:filename>: a static folder: serve it with @fastify\/static/m)
  const dryJson = JSON.parse((await run([...scaffold, '--dry-run', '--json'])).printed)
  t.match(dryJson, {
    dryRun: true,
    left: [
      { rule: '/static/<path:filename>' },
      {
        rule: '/catalog/<any(new, popular):listing>',
        reason: "Fastify's router takes one route for it and /catalog/:itemId(^\\d+$), which differ only in the " +
          'values their variables take or share a method: port them as one route whose handler tells the requests apart'
      }
    ]
  })
  t.ok(dryJson.files.includes('routes/api/index.ts'))
  t.same(await readdir(into), [], 'nothing written')
  const written = await run(scaffold)
  t.match(written.printed, /^wrote routes\/api\/index\.ts$/m)
  t.same((await readdir(join(into, 'routes'))).sort(), ['api', 'catalog', 'old-catalog', 'shop'])
})

t.test('scaffold with every rule ported says so', async (t) => {
  const syncOnly = ['--flask-app', 'sync_only', '--flask-path', join(FIXTURES, 'flask-apps')]
  t.same(await run(['scaffold', ...syncOnly, '--dry-run']),
    { status: 0, printed: 'nothing to scaffold: every rule has its route' })
})

t.test('compare: requests from an access log and a list, asked of two apps that answer alike, each once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'parity-cli-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const app = (): Promise<string> => new Promise((resolve) => {
    const server = createServer((request, response) => {
      response.end(`${request.method as string} ${request.url as string}`)
    })
    t.teardown(() => { server.close() })
    server.listen(0, '127.0.0.1', () => { resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) })
  })
  const [flaskUrl, serviceUrl] = [await app(), await app()]
  await writeFile(join(dir, 'access.log'), '127.0.0.1 - - [07/Dec/2026 12:00:00] "GET /a?b=1 HTTP/1.1" 200 -\n')
  await writeFile(join(dir, 'requests.json'),
    '[{ "method": "DELETE", "path": "/a" }, { "method": "HEAD", "path": "/b" }, { "method": "GET", "path": "/a?b=1" }]')
  const compared = await run(['compare', '--flask-url', flaskUrl, '--service-url', serviceUrl,
    '--access-log', join(dir, 'access.log'), '--requests', join(dir, 'requests.json'), '--time-tolerance-ms', '1000'])
  t.equal(compared.status, 0)
  t.match(compared.printed, /^same +GET \/a\?b=1 +200 \d+ ms +200 \d+ ms$/m)
  t.match(compared.printed, /^same +HEAD \/b /m)
  t.match(compared.printed, /\n\n2 requests, 0 with unexplained differences, 0 differences explained; 1 writes not sent/,
    'the request in both the log and the list sent once')
})

t.test('refusals: one line on stderr, exit status 2', async (t) => {
  const refused = async (argv: string[]): Promise<[number, string]> => {
    let said = ''
    const write = process.stderr.write
    process.stderr.write = ((text: string) => { said += text; return true }) as typeof write
    try {
      return [await main(argv), said]
    } finally {
      process.stderr.write = write
    }
  }
  t.same(await refused(['deploy']), [2, 'No verb deploy: routes, scaffold, compare, strangle (--help)\n'])
  t.same(await refused(['routes', 'scaffold']), [2, 'One verb at a time: routes scaffold\n'])
  const urls = ['--flask-url', 'http://127.0.0.1:1', '--service-url', 'http://127.0.0.1:1']
  t.same(await refused(['compare', '--flask-app', 'app']),
    [2, 'compare needs --flask-url and --service-url (--help)\n'])
  t.same(await refused(['compare', ...urls]),
    [2, 'compare needs requests: --flask-app (its route table), --requests or --access-log (--help)\n'])
  t.same(await refused(['compare', ...urls, '--requests', 'r.json', '--time-tolerance-ms', 'soon']),
    [2, '--time-tolerance-ms takes a whole number of ms (got "soon")\n'])
  const [status, said] = await refused(['compare', ...urls, '--requests', join(ROOT, 'nowhere.json')])
  t.same([status, said.split(':')[0]], [2, `Cannot read ${join(ROOT, 'nowhere.json')}`])
  t.same(await refused(['routes']), [2, 'routes needs --flask-app (--help)\n'])
  t.same(await refused(['routes', '--flask-ap', 'x']), [2,
    "Unknown option '--flask-ap'. To specify a positional argument starting with a '-', place it at the end of the " +
    "command after '--', as in '-- \"--flask-ap\"\n"])
  t.same(await refused(['routes', '--flask-app', 'nowhere', '--flask-path', ROOT]),
    [2, "Cannot load the Flask app 'nowhere': Could not import 'nowhere'.\n"])
  await t.rejects(main(['routes', ...shop, '--service-app', join(FIXTURES, 'parity', 'failing-app.ts')]),
    { message: 'the app failed to start' }, "a fault of the app's own is not a refusal: it goes on, with its stack")
})

t.test('npm run parity: the process ends with the exit status, its refusal on stderr', async (t) => {
  const ran = spawnSync(process.execPath, ['parity/main.ts', 'routes'], { cwd: ROOT, encoding: 'utf8' })
  t.same([ran.status, ran.stdout, ran.stderr], [2, '', 'routes needs --flask-app (--help)\n'])
})

t.test('without --flask-path, the app is imported from the current folder', async (t) => {
  const argv = ['routes', '--flask-app', SHOP.app, '--json']
  const ran = spawnSync(process.execPath, [join(ROOT, 'parity', 'main.ts'), ...argv],
    { cwd: SHOP.path, encoding: 'utf8' })
  t.equal(ran.status, 0, ran.stderr)
  t.equal(JSON.parse(ran.stdout).flask.length, 15)
})
