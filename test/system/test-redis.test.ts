// The Redis servers the tests start end with the test process that started them, however it ends: killed outright
// (a test's timeout, a mutation run stopped), not only through its teardown.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { answersPing } from '../helpers/redis-server.ts'

const HELPER = join(import.meta.dirname, '..', 'helpers', 'redis-server.ts')

t.test('a test process killed with SIGKILL leaves no Redis behind', async (t) => {
  // A process that starts a Redis as a test does, says its port, and waits to be killed.
  const script = `import { redisServer } from ${JSON.stringify(HELPER)}
const redis = await redisServer({ teardown () {} })
console.log(redis.port)
setInterval(() => {}, 1000)`
  // Its files in a folder of this test's, which the killed process cannot remove itself.
  const files = await mkdtemp(join(tmpdir(), 'killed-test-'))
  const child = spawn(process.execPath, ['--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: files } })
  t.teardown(async () => {
    child.kill('SIGKILL')
    await rm(files, { recursive: true, force: true })
  })
  const [line] = await once(createInterface({ input: child.stdout }), 'line') as [string]
  const port = Number(line)
  t.ok(await answersPing(port), 'its Redis answers')
  child.kill('SIGKILL')
  await once(child, 'exit')
  // Bounded only so that a broken guarantee ends the test.
  for (const until = performance.now() + 20_000; await answersPing(port) && performance.now() < until;) await sleep(50)
  t.notOk(await answersPing(port), 'gone with it')
})
