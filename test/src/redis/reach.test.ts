// What a request that needs Redis gets: the operation's result; a 503 with Retry-After while Redis is unreachable,
// before the operation or as it fails; the operation's own error while Redis is up; without Redis, the operation alone.
import t from 'tap'
import { reach } from '../../../src/redis/reach.ts'

const UNREACHABLE = { statusCode: 503, message: 'Redis is unreachable', headers: { 'retry-after': '1' } }

t.test('Redis up: the operation\'s result, or its own error', async (t) => {
  t.equal(await reach({ up: true }, async () => 'done'), 'done')
  await t.rejects(reach({ up: true }, async () => { throw new Error('OOM command not allowed') }),
    { message: 'OOM command not allowed', statusCode: undefined })
})

t.test('Redis unreachable before: a 503, and the operation is not run', async (t) => {
  let ran = false
  await t.rejects(reach({ up: false }, async () => { ran = true }), UNREACHABLE)
  t.notOk(ran)
})

t.test('Redis gone as the operation fails: a 503, whatever the operation\'s error', async (t) => {
  const redis = { up: true }
  await t.rejects(reach(redis, async () => {
    redis.up = false
    throw new Error('Connection is closed.')
  }), UNREACHABLE)
})

t.test('without Redis, the operation as it is', async (t) => {
  t.equal(await reach(undefined, async () => 'done'), 'done')
  await t.rejects(reach(undefined, async () => { throw new Error('failed') }), { message: 'failed' })
})
