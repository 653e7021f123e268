// npm run parity -- scaffold on a copy of the project, as a team would run it on theirs: the shop's missing rules
// scaffolded, the modules and tests it writes build, pass lint and their own tests, and routes then lists them as
// ported. It runs a copy, whose files are not the project's, so it counts for no coverage (test/coverage-map.mjs).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT } from '../helpers/parity.ts'

t.setTimeout(300_000)

/** The environment without what tap gives its own test processes, so that a tap run in the copy is a run of its own. */
const ENV = Object.fromEntries(Object.entries(process.env)
  .filter(([name]) => !name.startsWith('TAP') && !name.startsWith('_TAPJS') && name !== 'NODE_OPTIONS'))

t.test('scaffolded modules build, pass lint and their tests, and are then listed as ported', async (t) => {
  const copy = await mkdtemp(join(tmpdir(), 'parity-project-'))
  t.teardown(async () => { await rm(copy, { recursive: true, force: true }) })
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean)
  for (const file of files) await cp(join(ROOT, file), join(copy, file))
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  const run = (script: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [script, ...args], { cwd: copy, encoding: 'utf8', env: ENV })
  const shop = ['--flask-app', 'shop:create_app()', '--flask-path', join(copy, 'test', 'fixtures', 'flask-shop')]

  const scaffold = run('parity/main.ts', ['scaffold', ...shop, '--json'])
  t.equal(scaffold.status, 0, 'scaffolded', { stderr: scaffold.stderr })
  const written = (JSON.parse(scaffold.stdout) as { files: string[] }).files
  t.same(written, [
    'routes/catalog/index.ts',
    'test/routes/catalog/index.test.ts',
    'routes/api/index.ts',
    'test/routes/api/index.test.ts',
    'routes/old-catalog/index.ts',
    'test/routes/old-catalog/index.test.ts',
    'routes/shop/index.ts',
    'test/routes/shop/index.test.ts'
  ])

  const built = run('node_modules/typescript/bin/tsc', ['--noEmit'])
  t.equal(built.status, 0, 'the project builds', { output: built.stdout })
  const linted = run('node_modules/eslint/bin/eslint.js', written)
  t.equal(linted.status, 0, 'the modules and tests pass lint', { output: linted.stdout })
  const tests = written.filter((file) => file.endsWith('.test.ts'))
  const tested = run('node_modules/tap/dist/esm/run.mjs', ['--disable-coverage', '--reporter=tap', ...tests])
  t.equal(tested.status, 0, 'their tests pass', { output: tested.stdout + tested.stderr })

  const routes = run('parity/main.ts', ['routes', ...shop, '--json'])
  const report = JSON.parse(routes.stdout) as { ported: Array<{ rule: string }>, missing: Array<{ rule: string }> }
  t.same(report.missing.map(({ rule }) => rule), ['/static/<path:filename>', '/catalog/<any(new, popular):listing>'],
    'missing: the static folder, and the rule left to be ported with its twin')
  t.equal(report.ported.length, 13, 'the rest ported')
})
