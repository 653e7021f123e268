// The check of the Node version at start: the comparison, the engines it stands for, and the one line it prints.
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { isOlder, REQUIRED_NODE } from '../../../src/server/node-version.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')

t.test('compares versions part by part, as numbers', async (t) => {
  t.equal(isOlder('20.20.2', '22.19.0'), true)
  t.equal(isOlder('22.18.9', '22.19.0'), true)
  t.equal(isOlder('22.19.0', '22.19.0'), false)
  t.equal(isOlder('22.19.1', '22.19.0'), false)
  t.equal(isOlder('22.100.0', '22.19.0'), false)
  t.equal(isOlder('26.10.0', '22.19.0'), false)
})

t.test("the version required is package.json's engines", async (t) => {
  const { engines } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
  t.equal(engines.node, `>=${REQUIRED_NODE}`)
})

t.test('on an older Node the service stops at once with one line naming both versions', async (t) => {
  const fakeOld = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.1.0"})'
  const run = spawnSync(process.execPath, [...process.execArgv, '--import', fakeOld, join(ROOT, 'src', 'server.ts')], {
    encoding: 'utf8',
    env: { ...process.env, PORT: '0' }
  })
  t.equal(run.status, 1)
  t.equal(run.stdout, '')
  t.equal(run.stderr, 'async-service needs Node 22.19.0 or later; this is Node 20.1.0.\n')
})
