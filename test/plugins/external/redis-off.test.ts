// Without REDIS_URL the service is one process that needs nothing else, and loads nothing it would need only for Redis:
// no Redis client, no BullMQ, none of the Redis-backed parts; everything it shares stays in its memory.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { recordResolvedModules } from '../../helpers/resolved-modules.ts'

// Every module resolved from here on, by import or require.
const resolved = recordResolvedModules()
const REDIS_MODULES = /node_modules\/(ioredis|bullmq)\/|src\/redis-[a-z-]+\.[jt]s/

t.test(
  'without REDIS_URL the app loads no Redis client, no BullMQ and no Redis-backed part, serving or not',
  async (t) => {
    const app = await build(t)
    t.ok(resolved.some((url) => url.includes('plugins/app/tasks')), 'the resolve hook sees the app\'s modules load')
    t.same(resolved.filter((url) => REDIS_MODULES.test(url)), [])
    t.equal(app.redis, undefined)
    const created = await app.inject({ method: 'POST', url: '/tasks', payload: { latencyMs: 1 } })
    t.equal(created.statusCode, 202)
    t.equal((await app.inject('/')).statusCode, 200)
    t.same(resolved.filter((url) => REDIS_MODULES.test(url)), [], 'nor while it serves')
  }
)
