// The Redis servers the tests start end with the test process that started them, however it ends: killed outright
// (a test's timeout, a mutation run stopped), not only through its teardown.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { killedTest } from '../helpers/killed-test.ts'
import { answersPing } from '../helpers/redis-server.ts'

const HELPER = join(import.meta.dirname, '..', 'helpers', 'redis-server.ts')

t.test('a test process killed with SIGKILL leaves no Redis behind', async (t) => {
  const test = await killedTest(t, `import { redisServer } from ${JSON.stringify(HELPER)}
console.log((await redisServer({ teardown () {} })).port)`)
  t.ok(await answersPing(test.port), 'its Redis answers')
  await test.kill()
  // Bounded only so that a broken guarantee ends the test.
  for (const until = performance.now() + 20_000; await answersPing(test.port) && performance.now() < until;) {
    await sleep(50)
  }
  t.notOk(await answersPing(test.port), 'gone with it')
})
