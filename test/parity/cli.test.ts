// npm run parity's command line: its help, its verbs on the shop and its port, and its refusals, one line each on
// stderr with exit status 2.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { HELP, main, parity } from '../../parity/cli.ts'
import { FIXTURES, ROOT, SHOP, SHOP_PORT } from '../helpers/parity.ts'

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
          'values their variables take: port them as one route whose handler tells the values apart'
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
  t.same(await refused(['deploy']), [2, 'No verb deploy: routes or scaffold (--help)\n'])
  t.same(await refused(['routes', 'scaffold']), [2, 'One verb at a time: routes scaffold\n'])
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
