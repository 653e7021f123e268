// The PostgreSQL the tests start: a throw-away cluster that answers queries, stops and starts again with its data, and
// ends with the test process that started it, however that ends.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { postgresServer } from '../helpers/postgres-server.ts'

const HELPER = join(import.meta.dirname, '..', 'helpers', 'postgres-server.ts')

t.setTimeout(120_000)

t.test('it answers queries, and keeps its data across a stop and a start', async (t) => {
  const postgres = await postgresServer(t)
  t.match(postgres.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
  t.same(postgres.query('SELECT 6 * 7'), ['42'])
  postgres.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)')
  await postgres.stop()
  t.throws(() => postgres.query('SELECT 1'), /psql failed/, 'down while stopped')
  await postgres.start()
  t.same(postgres.query('SELECT n FROM kept'), ['1'], 'its data back')
})

t.test('a test process killed with SIGKILL leaves no PostgreSQL behind', async (t) => {
  const script = `import { postgresServer } from ${JSON.stringify(HELPER)}
const postgres = await postgresServer({ teardown () {} })
console.log(postgres.port)
setInterval(() => {}, 1000)`
  // Its files in a folder of this test's, which the killed process cannot remove itself.
  const files = await mkdtemp(join(tmpdir(), 'killed-test-'))
  // Open to the postgres user, which the server runs as when the tests run as root.
  await chmod(files, 0o755)
  const child = spawn(process.execPath, ['--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: files } })
  t.teardown(async () => {
    child.kill('SIGKILL')
    await rm(files, { recursive: true, force: true })
  })
  const [line] = await once(createInterface({ input: child.stdout }), 'line') as [string]
  const port = Number(line)
  const listening = async (): Promise<boolean> => await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    }).once('error', () => { resolve(false) })
  })
  t.ok(await listening(), 'its PostgreSQL listens')
  child.kill('SIGKILL')
  await once(child, 'exit')
  for (const until = performance.now() + 20_000; await listening() && performance.now() < until;) await sleep(50)
  t.notOk(await listening(), 'gone with it')
})
