// The HTTP client of the dependency, against real upstreams: an instance of this service, and tiny servers that fail
// on purpose. Its pool and queue, cancellation that aborts the upstream's request at once, and each failure's mapping.
import t, { type Test } from 'tap'
import { Cancellation } from '../../../src/http/cancellation.ts'
import { HttpDependency, type HttpDependencyOptions } from '../../../src/dependency/http.ts'
import { rejection, within } from '../../helpers/settled.ts'
import { nothingListening, serve, until, upstream } from '../../helpers/upstream.ts'

// Its waits run to several seconds (timeouts the tests pass through); on a busy machine the file may take several times
// that.
t.setTimeout(120_000)

function client (t: Test, options: HttpDependencyOptions): HttpDependency {
  const dependency = new HttpDependency(options)
  t.teardown(() => dependency.close())
  return dependency
}

t.test('a call asks the upstream\'s /wait for its latency and resolves after it, in flight meanwhile', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin })
  const started = performance.now()
  const call = dependency.call({ latencyMs: 200 })
  t.equal(dependency.inFlight, 1)
  const { latencyMs } = await call
  const took = performance.now() - started
  t.ok(latencyMs >= 195 && latencyMs <= took, `answers the time it took (${Math.round(latencyMs)} ms)`)
  t.ok(took >= 195, `waited its latency (${Math.round(took)} ms)`)
  t.same(up.urls, ['/wait?seconds=0.200'])
  t.equal(dependency.inFlight, 0)
})

t.test('each request carries the headers the headers option gives, asked for as it is sent', async (t) => {
  const received: Array<string | string[] | undefined> = []
  const up = await serve(t, (request, response) => {
    received.push(request.headers.traceparent)
    response.end()
  })
  let calls = 0
  const dependency = client(t, { origin: up.origin, headers: () => ({ traceparent: `call-${++calls}` }) })
  await dependency.call({ latencyMs: 0 })
  await dependency.call({ latencyMs: 0 })
  t.same(received, ['call-1', 'call-2'])
})

t.test('the origin may end with a slash, as DEPENDENCY_URL allows', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: `${up.origin}/` })
  await dependency.call({ latencyMs: 1 })
  t.same(up.urls, ['/wait?seconds=0.001'])
})

t.test('seconds are written as a plain decimal, however small or odd the latency', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin })
  for (const latencyMs of [0.0001, 0, 15, 123.4567]) await dependency.call({ latencyMs })
  t.same(up.urls, ['/wait?seconds=0.000', '/wait?seconds=0.000', '/wait?seconds=0.015', '/wait?seconds=0.123'])
})

t.test('a pool of 1 keeps one connection alive for every call, after an error answer too', async (t) => {
  let answered = 0
  const server = await serve(t, (request, response) => {
    response.writeHead(++answered === 1 ? 500 : 200).end('Waited 0 seconds!')
  })
  const dependency = client(t, { origin: server.origin, poolSize: 1 })
  await t.rejects(dependency.call({ latencyMs: 0 }), { name: 'DependencyError', failure: 'failed' })
  await dependency.call({ latencyMs: 0 })
  await dependency.call({ latencyMs: 0 })
  t.equal(server.urls.length, 3)
  t.equal(server.connections, 1)
})

t.test(
  'a pool of 2 calls the upstream 2 at once, over 2 connections; the others queue and follow in order',
  async (t) => {
    const up = await upstream(t)
    const dependency = client(t, { origin: up.origin, poolSize: 2 })
    const finished: number[] = []
    const started = performance.now()
    const calls = [0, 1, 2, 3, 4].map(async (index) => {
      await dependency.call({ latencyMs: 150 })
      finished.push(index)
    })
    t.equal(dependency.inFlight, 2)
    t.equal(dependency.queued, 3)
    await Promise.all(calls)
    t.same(finished, [0, 1, 2, 3, 4])
    t.ok(performance.now() - started >= 3 * 150 - 15, 'three rounds of 150 ms')
    t.equal(up.urls.length, 5)
    t.equal(up.maxConcurrent, 2, 'the upstream never had more than 2 at once')
    t.equal(up.connections, 2)
    t.equal(dependency.inFlight, 0)
    t.equal(dependency.queued, 0)
  }
)

t.test('a call answers how long the upstream took, not what it asked for', async (t) => {
  const server = await serve(t, (request, response) => { setTimeout(() => response.end('Waited 0 seconds!'), 300) })
  const dependency = client(t, { origin: server.origin })
  const { latencyMs } = await dependency.call({ latencyMs: 0 })
  t.ok(latencyMs >= 290, `took the upstream's ${Math.round(latencyMs)} ms`)
})

t.test('a call\'s latency counts from when it holds a connection, not while it queued', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, poolSize: 1 })
  const started = performance.now()
  const first = dependency.call({ latencyMs: 200 })
  const second = await dependency.call({ latencyMs: 200 })
  await first
  const queuedFor = performance.now() - started - second.latencyMs
  t.ok(queuedFor >= 150, `about the first call's 200 ms not counted (${Math.round(queuedFor)} ms)`)
})

t.test('a call that waits longer than the queue timeout is rejected, and the upstream never sees it', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, poolSize: 1, queueTimeoutMs: 100 })
  const holding = dependency.call({ latencyMs: 10_000 })
  const started = performance.now()
  const error = await rejection(dependency.call({ latencyMs: 1 }))
  const waited = performance.now() - started
  t.match(error,
    { name: 'DependencyError', failure: 'rejected', message: 'no connection to the dependency was free within 100 ms' })
  t.ok(waited >= 95 && waited < 5000, `after the queue timeout (${Math.round(waited)} ms)`)
  t.equal(dependency.queued, 0)
  dependency.cancelAll(new Error('done'))
  await t.rejects(holding, { message: 'done' })
  t.equal(up.urls.length, 1)
})

t.test('a queued call that is cancelled leaves the queue at once; the next in line gets the connection', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, poolSize: 1, queueTimeoutMs: 10_000 })
  const holding = dependency.call({ latencyMs: 100 })
  const cancellation = new Cancellation()
  const reason = new Error('gone')
  const cancelled = dependency.call({ latencyMs: 1 }, cancellation)
  const next = dependency.call({ latencyMs: 1 })
  t.equal(dependency.queued, 2)
  cancellation.cancel(reason)
  t.equal(await rejection(cancelled), reason)
  t.equal(dependency.queued, 1)
  await holding
  await next
  t.same(up.urls, ['/wait?seconds=0.100', '/wait?seconds=0.001'], 'the cancelled call never reached the upstream')
})

t.test(
  'a call in flight that is cancelled aborts the upstream\'s request at once, and frees its connection',
  async (t) => {
    const up = await upstream(t)
    const dependency = client(t, { origin: up.origin, poolSize: 1 })
    const cancellation = new Cancellation()
    const reason = new Error('client went away')
    const call = dependency.call({ latencyMs: 10_000 }, cancellation)
    await until(() => up.app.dependency.inFlight === 1)
    t.equal(up.open.size, 1)
    const started = performance.now()
    cancellation.cancel(reason)
    t.equal(await rejection(call), reason, 'rejects with the cancellation\'s reason')
    t.equal(dependency.inFlight, 0)
    const stopped = await until(() =>
      up.app.dependency.inFlight === 0 && up.app.inFlight.count === 0 && up.open.size === 0)
    t.ok(performance.now() - started < 5000,
      `the upstream's call stopped at once (${Math.round(stopped)} ms), not after 10 s`)
    const next = await within(5000, dependency.call({ latencyMs: 1 }))
    t.ok(next.latencyMs < 5000, 'the next call got the connection\'s slot')
  }
)

t.test('a call with a cancellation already cancelled rejects without asking the upstream', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin })
  const cancellation = new Cancellation()
  const reason = new Error('already gone')
  cancellation.cancel(reason)
  t.equal(await rejection(dependency.call({ latencyMs: 1 }, cancellation)), reason)
  t.same(up.urls, [])
})

t.test('a call cancelled as the connection is handed to it rejects with the reason and asks nothing', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, poolSize: 1 })
  const holding = dependency.call({ latencyMs: 50 })
  const cancellation = new Cancellation()
  const reason = new Error('gone meanwhile')
  const queued = dependency.call({ latencyMs: 1 }, cancellation)
  // Runs after the holding call gave its slot to the queued one, before that one goes on.
  void holding.then(() => { cancellation.cancel(reason) })
  t.equal(await rejection(queued), reason)
  t.equal(up.urls.length, 1)
  t.equal(dependency.inFlight, 0)
  await t.resolves(dependency.call({ latencyMs: 1 }), 'its slot was given back')
})

t.test('a finished or failed call leaves nothing registered on its cancellation', async (t) => {
  const server = await serve(t, (request, response) => {
    response.writeHead(request.url === '/wait?seconds=0.000' ? 200 : 500).end()
  })
  const registered = new Set<unknown>()
  class Watched extends Cancellation {
    override onCancel (callback: (reason: Error) => void): void {
      super.onCancel(callback)
      registered.add(callback)
    }

    override off (callback: (reason: Error) => void): void {
      super.off(callback)
      registered.delete(callback)
    }
  }
  const dependency = client(t, { origin: server.origin })
  const cancellation = new Watched()
  await dependency.call({ latencyMs: 0 }, cancellation)
  t.equal(registered.size, 0, 'after a success')
  await t.rejects(dependency.call({ latencyMs: 1 }, cancellation), { name: 'DependencyError', failure: 'failed', message: /^the upstream answered 500$/ })
  t.equal(registered.size, 0, 'after a failure')
})

t.test('cancelAll rejects every call in flight or queued with its reason, and aborts their requests', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, poolSize: 1, queueTimeoutMs: 0 })
  const reason = new Error('closing')
  const calls = [dependency.call({ latencyMs: 10_000 }, new Cancellation()), dependency.call({ latencyMs: 10_000 })]
  await until(() => up.app.dependency.inFlight === 1)
  t.equal(dependency.inFlight, 1)
  t.equal(dependency.queued, 1)
  dependency.cancelAll(reason)
  for (const call of calls) t.equal(await rejection(call), reason)
  t.equal(dependency.inFlight, 0)
  t.equal(dependency.queued, 0)
  await until(() => up.app.dependency.inFlight === 0 && up.open.size === 0)
  t.equal(up.urls.length, 1, 'the queued call never reached the upstream')
  await t.resolves(within(5000, dependency.call({ latencyMs: 1 })), 'a new call still works')
})

t.test('close ends the keep-alive connections; a call after it fails', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin })
  await dependency.call({ latencyMs: 1 })
  t.equal(up.open.size, 1, 'kept alive after the call')
  await dependency.close()
  await until(() => up.open.size === 0)
  await t.rejects(dependency.call({ latencyMs: 1 }), { name: 'DependencyError', failure: 'failed' })
  t.equal(dependency.inFlight, 0)
})

t.test('an upstream that answers an error, or anything but 2xx, fails the call', async (t) => {
  const statuses = [500, 503, 400, 404, 302]
  let answered = 0
  const server = await serve(t, (request, response) => {
    response.writeHead(statuses[answered++] ?? 200, { location: '/' }).end('no')
  })
  const dependency = client(t, { origin: server.origin })
  for (const status of statuses) {
    const error = await rejection(dependency.call({ latencyMs: 1 }, new Cancellation()))
    t.match(error,
      { name: 'DependencyError', failure: 'failed', message: new RegExp(`^the upstream answered ${status}$`) })
  }
  await t.resolves(dependency.call({ latencyMs: 1 }), 'a 200 then succeeds')
})

t.test('a large error answer does not hold the connection: the next call gets through', async (t) => {
  let answered = 0
  const server = await serve(t, (request, response) => {
    if (++answered === 1) response.writeHead(500).end('x'.repeat(1024 * 1024))
    else response.writeHead(200).end('Waited 0 seconds!')
  })
  const dependency = client(t, { origin: server.origin, poolSize: 1 })
  await t.rejects(dependency.call({ latencyMs: 0 }), { name: 'DependencyError', failure: 'failed', message: /^the upstream answered 500$/ })
  await t.resolves(within(5000, dependency.call({ latencyMs: 0 })))
})

t.test('nothing listening (connection refused) fails the call', async (t) => {
  const dependency = client(t, { origin: await nothingListening() })
  const error = await rejection(dependency.call({ latencyMs: 1 }))
  t.match(error, { name: 'DependencyError', failure: 'failed', message: /^the request to the upstream failed: .*ECONNREFUSED/ })
  t.equal(dependency.inFlight, 0)
})

t.test('a connection closed before the answer fails the call', async (t) => {
  const server = await serve(t, (request) => { request.socket.destroy() })
  const dependency = client(t, { origin: server.origin })
  t.match(await rejection(dependency.call({ latencyMs: 1 })), { name: 'DependencyError', failure: 'failed', message: /^the request to the upstream failed: / })
})

t.test('a connection closed in the middle of the answer\'s body fails the call', async (t) => {
  const server = await serve(t, (request, response) => {
    response.writeHead(200, { 'content-length': '100' })
    response.write('Waited', () => { request.socket.destroy() })
  })
  const dependency = client(t, { origin: server.origin })
  t.match(await rejection(dependency.call({ latencyMs: 1 })), { name: 'DependencyError', failure: 'failed', message: /^the request to the upstream failed: / })
})

t.test('an upstream that never answers times the call out, past its latency and the slack', async (t) => {
  const server = await serve(t, () => {})
  const dependency = client(t, { origin: server.origin, slackMs: 300 })
  const started = performance.now()
  const error = await rejection(dependency.call({ latencyMs: 100 }, new Cancellation()))
  const took = performance.now() - started
  t.match(error, { name: 'DependencyError', failure: 'timed_out', message: 'the upstream did not answer in time' })
  t.ok(took >= 380 && took < 10_000, `after about 100 + 300 ms (${Math.round(took)} ms)`)
  t.equal(dependency.inFlight, 0)
})

t.test('an upstream whose body stops coming times the call out', async (t) => {
  const server = await serve(t, (request, response) => {
    response.writeHead(200, { 'content-length': '100' })
    response.write('Waited')
  })
  const dependency = client(t, { origin: server.origin, slackMs: 300 })
  t.match(await rejection(dependency.call({ latencyMs: 1 })), { name: 'DependencyError', failure: 'timed_out' })
})

t.test('a long call is not timed out by the slack: the upstream has its latency and the slack to answer', async (t) => {
  const up = await upstream(t)
  const dependency = client(t, { origin: up.origin, slackMs: 1000 })
  const { latencyMs } = await dependency.call({ latencyMs: 3000 })
  t.ok(latencyMs >= 2995, `answered after ${Math.round(latencyMs)} ms`)
})
