// Redis killed (SIGKILL, as a crash) under a load of POST /tasks on two replicas, then started again from its
// append-only file, as compose runs it: every task answered 202 before the kill is found done afterwards, none gone;
// the requests during the outage are answered 503 with Retry-After, and succeed when sent again with their key.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

t.setTimeout(180_000)

interface Sent { key: string, status: number, retryAfter: string | null, id?: string, ms: number }

t.test('a Redis crash loses no accepted task, and the refused ones succeed when sent again', async (t) => {
  const redis = await redisServer(t, { appendOnly: true })
  const urls: string[] = []
  const apps: FastifyInstance[] = []
  for (let replica = 0; replica < 2; replica++) {
    const app = await build(t, { env: { REDIS_URL: redis.url, SHUTDOWN_DELAY_MS: '0' } })
    apps.push(app)
    await app.listen({ host: '127.0.0.1', port: 0 })
    await until(() => app.redis?.up === true, 20_000)
    urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`)
  }
  const post = async (url: string, key: string): Promise<Sent> => {
    const started = performance.now()
    const response = await fetch(`${url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `"${key}"` },
      body: '{"latencyMs":0}'
    })
    const body = await response.json() as { id?: string }
    return {
      key,
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      ...(body.id === undefined ? {} : { id: body.id }),
      ms: performance.now() - started
    }
  }

  // A steady load, one request after another on each replica, until told to stop.
  const sent: Sent[] = []
  const load = { on: true }
  const loads = urls.map(async (url, replica) => {
    for (let n = 0; load.on; n++) {
      sent.push(await post(url, `r${replica}-${n}`))
      await sleep(5)
    }
  })
  await until(() => sent.filter(({ status }) => status === 202).length >= 100, 30_000)
  await redis.stop()
  const killedAt = sent.length
  await until(() => sent.slice(killedAt).filter(({ status }) => status === 503).length >= 20, 30_000)
  await redis.start()
  load.on = false
  await Promise.all(loads)

  const accepted = sent.filter(({ status }) => status === 202)
  const refused = sent.filter(({ status }) => status !== 202)
  t.ok(accepted.length >= 100 && refused.length >= 20, `${accepted.length} accepted, ${refused.length} refused`)
  t.same(new Set(refused.map(({ status, retryAfter }) => `${status} ${retryAfter}`)), new Set(['503 1']),
    'each refusal a 503 with Retry-After: 1')
  const p99 = refused.map(({ ms }) => ms).sort((a, b) => a - b)[Math.ceil(refused.length * 0.99) - 1] as number
  t.comment(`refused while Redis was away: ${refused.length}, p99 ${Math.round(p99)} ms`)

  // Redis back: the refused ones sent again with their keys are accepted, on either replica.
  await until(() => apps.every((app) => app.redis?.up === true), 20_000)
  const again = await Promise.all(refused.map(async ({ key }, index) => await post(urls[index % 2] as string, key)))
  t.same(new Set(again.map(({ status }) => status)), new Set([202]), 'each accepted when sent again')

  // Every task accepted, before the kill or after, is done; none gone.
  const ids = [...accepted, ...again].map(({ id }) => id as string)
  const states: Record<string, number> = {}
  for (const id of ids) {
    let state = 'pending'
    for (const deadline = performance.now() + 30_000; ['pending', 'running'].includes(state) &&
      performance.now() < deadline;) {
      const response = await fetch(`${urls[0] as string}/tasks/${id}`)
      state = response.status === 404 ? 'gone' : (await response.json() as { state: string }).state
      if (['pending', 'running'].includes(state)) await sleep(20)
    }
    states[state] = (states[state] ?? 0) + 1
  }
  t.same(states, { done: ids.length }, `all ${ids.length} tasks done`)
})
