// What a request that needs Redis gets: the operation's result; a 503 with Retry-After saying what is unavailable while
// Redis is unreachable, before the operation or as it fails; the operation's own error while Redis is up; without
// Redis, the operation alone.
import t from 'tap'
import { reach } from '../../../src/redis/reach.ts'

const UNAVAILABLE = 'Widgets are unavailable for now; retry later'
const UNREACHABLE = { statusCode: 503, message: UNAVAILABLE, headers: { 'retry-after': '1' } }

t.test('Redis up: the operation\'s result, or its own error', async (t) => {
  t.equal(await reach({ up: true }, UNAVAILABLE, async () => 'done'), 'done')
  await t.rejects(reach({ up: true }, UNAVAILABLE, async () => { throw new Error('OOM command not allowed') }),
    { message: 'OOM command not allowed', statusCode: undefined })
})

t.test('Redis unreachable before: a 503, and the operation is not run', async (t) => {
  let ran = false
  await t.rejects(reach({ up: false }, UNAVAILABLE, async () => { ran = true }), UNREACHABLE)
  t.notOk(ran)
})

t.test('Redis gone as the operation fails: a 503, whatever the operation\'s error', async (t) => {
  const redis = { up: true }
  await t.rejects(reach(redis, UNAVAILABLE, async () => {
    redis.up = false
    throw new Error('Connection is closed.')
  }), UNREACHABLE)
})

t.test('the connection lost under the operation, before the client says Redis is down: a 503', async (t) => {
  const lost = async (): Promise<never> => { throw new Error('Connection is closed.') }
  await t.rejects(reach({ up: true }, UNAVAILABLE, lost), UNREACHABLE)
})

t.test('without Redis, the operation as it is', async (t) => {
  t.equal(await reach(undefined, UNAVAILABLE, async () => 'done'), 'done')
  await t.rejects(reach(undefined, UNAVAILABLE, async () => { throw new Error('failed') }), { message: 'failed' })
})
