// The PostgreSQL the tests start: a throw-away cluster that answers queries, stops and starts again with its data, and
// ends with the test process that started it, however that ends.
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { killedTest } from '../helpers/killed-test.ts'
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
  const test = await killedTest(t, `import { postgresServer } from ${JSON.stringify(HELPER)}
console.log((await postgresServer({ teardown () {} })).port)`)
  const listening = async (): Promise<boolean> => await new Promise((resolve) => {
    const socket = connect(test.port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    }).once('error', () => { resolve(false) })
  })
  t.ok(await listening(), 'its PostgreSQL listens')
  await test.kill()
  // Bounded only so that a broken guarantee ends the test.
  for (const until = performance.now() + 20_000; await listening() && performance.now() < until;) await sleep(50)
  t.notOk(await listening(), 'gone with it')
})
