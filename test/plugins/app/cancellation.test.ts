// request.cancellation: the deadline answers 504 and cancels the request's calls, leaving no timer; a client that
// leaves cancels them at once; a request that awaits nothing pays for none of it.
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { build } from '../../helpers/app.ts'

/** How many timers are keeping the process alive. */
const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length

t.test('past REQUEST_DEADLINE_MS, 504 JSON, its call cancelled and no timer left', async (t) => {
  const fastify = await build(t, { env: { REQUEST_DEADLINE_MS: '200' } })
  const before = timers()
  const started = performance.now()
  const response = await fastify.inject('/wait?seconds=5')
  const took = performance.now() - started
  t.equal(response.statusCode, 504)
  t.same(response.json(),
    { statusCode: 504, error: 'Gateway Timeout', message: 'The request took longer than its deadline of 200 ms' })
  t.ok(took >= 195 && took < 2000, `answered at the deadline, not after the 5 s wait (${Math.round(took)} ms)`)
  t.equal(fastify.dependency.inFlight, 0)
  t.equal(timers(), before, "neither the call's timer nor the deadline's is left")
})

t.test('a route may set a shorter deadline of its own', async (t) => {
  const fastify = await build(t, {
    extend: (fastify) => fastify.get('/quick', { config: { deadlineMs: 100 } }, async (request) => {
      await fastify.dependency.call({ latencyMs: 5000 }, request.cancellation)
      return 'never'
    })
  })
  const response = await fastify.inject('/quick')
  t.equal(response.statusCode, 504)
  t.equal(response.json().message, 'The request took longer than its deadline of 100 ms')
})

t.test('a request that ends first leaves no deadline behind; REQUEST_DEADLINE_MS=0 sets none', async (t) => {
  const fastify = await build(t, { env: { REQUEST_DEADLINE_MS: '150' } })
  const before = timers()
  t.equal((await fastify.inject('/wait?seconds=0.05')).statusCode, 200)
  t.equal(timers(), before, 'the deadline went with the request')
  await sleep(200)
  const unlimited = await build(t, { env: { REQUEST_DEADLINE_MS: '0' } })
  const response = unlimited.inject('/wait?seconds=0.3')
  await sleep(50)
  t.equal(timers(), before + 1, "only the call's timer")
  t.equal((await response).statusCode, 200)
})

t.test('a request that awaits nothing makes no cancellation and no deadline', async (t) => {
  const fastify = await build(t, { env: { REQUEST_DEADLINE_MS: '100' } })
  const before = timers()
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await fastify.inject('/sync')))
  t.ok(answers.every((answer) => answer.statusCode === 200))
  t.equal(timers(), before)
})

t.test('a client that disconnects cancels its calls at once: counted cancelled, nothing left in flight', async (t) => {
  const fastify = await build(t)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const { port } = fastify.server.address() as AddressInfo
  const requests = Array.from({ length: 5 }, () =>
    get({ host: '127.0.0.1', port, path: '/wait?seconds=30' }).on('error', () => {}))
  while (fastify.dependency.inFlight < 5) await sleep(5)
  const started = performance.now()
  for (const request of requests) request.destroy()
  while (fastify.dependency.inFlight > 0) await sleep(5)
  t.ok(performance.now() - started < 5000, 'cancelled when the clients left, not after 30 s')
  const metrics = (await fastify.inject('/metrics')).body
  t.match(metrics, /^dependency_calls_total\{outcome="cancelled"\} 5$/m)
  t.match(metrics, /^dependency_calls_in_flight 0$/m)
  t.match(metrics, /^http_requests_in_flight 1$/m, 'only the scrape itself')
})

t.test('a request whose client left is not answered: no answer is made for nobody', async (t) => {
  const sent: string[] = []
  const fastify = await build(t, {
    extend: (fastify) => fastify.addHook('onSend', async (request) => { sent.push(request.url) })
  })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const { port } = fastify.server.address() as AddressInfo
  const request = get({ host: '127.0.0.1', port, path: '/wait?seconds=30' }).on('error', () => {})
  while (fastify.dependency.inFlight === 0) await sleep(5)
  request.destroy()
  while (fastify.dependency.inFlight > 0) await sleep(5)
  await sleep(100)
  t.same(sent, [])
  await fastify.inject('/sync')
  t.same(sent, ['/sync'], 'other answers are made as ever')
})
