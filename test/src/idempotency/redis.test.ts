// The idempotency store the replicas share keeps the contract on a real Redis, each key under REDIS_KEY_PREFIX.
import { Redis } from 'ioredis'
import t from 'tap'
import { RedisIdempotencyStore } from '../../../src/idempotency/redis.ts'
import { storeContract } from '../../helpers/idempotency-store.ts'
import { redisServer } from '../../helpers/redis-server.ts'

t.setTimeout(60_000)

const redis = await redisServer(t)
const client = new Redis(redis.url)
t.teardown(() => { client.disconnect() })

let prefix = 0
storeContract(t, async () => new RedisIdempotencyStore({ client, prefix: `test${++prefix}` }))

t.test('its keys are under the prefix, with Redis\'s own expiry', async (t) => {
  const store = new RedisIdempotencyStore({ client, prefix: 'shop' })
  await store.begin('POST /tasks k', 'body', 60_000)
  t.same(await client.keys('shop:*'), ['shop:idempotency:POST /tasks k'])
  t.ok(await client.pttl('shop:idempotency:POST /tasks k') > 0)
})
