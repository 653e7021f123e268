// The simulated dependency: its latency, jitter and failures from a seed, its pool and queue, and cancellation that
// frees a call's timer and its place at once.
import t from 'tap'
import { Cancellation } from '../../../src/http/cancellation.ts'
import { SimulatedDependency } from '../../../src/dependency/simulated.ts'

/** How many timers are keeping the process alive. */
const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length

t.test('a call resolves after its latency, in flight meanwhile, and answers the latency it took', async (t) => {
  const dependency = new SimulatedDependency()
  const started = performance.now()
  const call = dependency.call({ latencyMs: 50 })
  t.equal(dependency.inFlight, 1)
  t.same(await call, { latencyMs: 50 })
  t.ok(performance.now() - started >= 45, 'waited its latency')
  t.equal(dependency.inFlight, 0)
})

t.test('cancelling rejects a call at once with the reason, and frees its timer', async (t) => {
  const dependency = new SimulatedDependency()
  const cancellation = new Cancellation()
  const reason = new Error('client went away')
  const before = timers()
  const call = dependency.call({ latencyMs: 10_000 }, cancellation)
  t.equal(timers(), before + 1, 'a timer while in flight')
  const started = performance.now()
  cancellation.cancel(reason)
  await t.rejects(call, reason)
  t.ok(performance.now() - started < 1000, 'did not wait the latency')
  t.equal(dependency.inFlight, 0)
  t.equal(timers(), before, 'no timer left behind')
})

t.test('a call with a cancellation already cancelled rejects without waiting', async (t) => {
  const dependency = new SimulatedDependency()
  const cancellation = new Cancellation()
  const reason = new Error('already gone')
  cancellation.cancel(reason)
  await t.rejects(dependency.call({ latencyMs: 10_000 }, cancellation), reason)
  t.equal(dependency.inFlight, 0)
})

/** A cancellation that counts the callbacks registered on it and not yet taken off. */
class CountingCancellation extends Cancellation {
  registered = 0
  override onCancel (callback: (reason: Error) => void): void {
    super.onCancel(callback)
    this.registered++
  }

  override off (callback: (reason: Error) => void): void {
    super.off(callback)
    this.registered--
  }
}

t.test(
  'a call leaves nothing registered on its cancellation, whether it ends, fails, ' +
    'times out in the queue or is cancelled',
  async (t) => {
    const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 20 })
    const cancellation = new CountingCancellation()
    await dependency.call({ latencyMs: 1 }, cancellation)
    t.equal(cancellation.registered, 0, 'ended')
    await t.rejects(dependency.call({ latencyMs: 1, failureRate: 1 }, cancellation))
    t.equal(cancellation.registered, 0, 'failed')
    const holding = dependency.call({ latencyMs: 100 })
    await t.rejects(dependency.call({ latencyMs: 1 }, cancellation), { name: 'DependencyError', failure: 'rejected' })
    t.equal(cancellation.registered, 0, 'timed out in the queue')
    await holding
    const waited = new CountingCancellation()
    await Promise.all([dependency.call({ latencyMs: 10 }), dependency.call({ latencyMs: 1 }, waited)])
    t.equal(waited.registered, 0, 'ended after waiting in the queue')
    const queued = new CountingCancellation()
    const running = new CountingCancellation()
    const calls = [dependency.call({ latencyMs: 10_000 }, running), dependency.call({ latencyMs: 1 }, queued)]
    queued.cancel(new Error('gone'))
    running.cancel(new Error('gone'))
    await Promise.allSettled(calls)
    t.equal(queued.registered + running.registered, 0, 'cancelled, queued or running')
  }
)

t.test('cancelAll rejects every call in flight or queued with its reason, and leaves later calls alone', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 0 })
  const reason = new Error('closing')
  const calls = [dependency.call({ latencyMs: 10_000 }), dependency.call({ latencyMs: 10_000 }, new Cancellation())]
  t.equal(dependency.inFlight, 1)
  t.equal(dependency.queued, 1)
  dependency.cancelAll(reason)
  for (const call of calls) await t.rejects(call, reason)
  t.equal(dependency.inFlight, 0)
  t.equal(dependency.queued, 0)
  await t.resolves(dependency.call({ latencyMs: 1 }), 'a new call still works')
  await dependency.close()
})

t.test('jitter adds up to its amount, the same for the same seed', async (t) => {
  const latencies = async (seed: number): Promise<number[]> => {
    const dependency = new SimulatedDependency({ jitterMs: 40, seed })
    return await Promise.all(Array.from({ length: 5 }, async () =>
      (await dependency.call({ latencyMs: 10 })).latencyMs))
  }
  const first = await latencies(42)
  t.same(await latencies(42), first, 'the same seed, the same latencies')
  t.notSame(await latencies(43), first, 'another seed, others')
  t.ok(first.every((ms) => ms >= 10 && ms < 50), `each between 10 and 50 ms: ${first.join(', ')}`)
  t.ok(new Set(first).size > 1, 'not all the same')
})

t.test('a failure rate fails that share of calls, after their latency, the same ones for the same seed', async (t) => {
  const outcomes = async (seed: number): Promise<string> => {
    const dependency = new SimulatedDependency({ failureRate: 0.5, seed })
    const settled = await Promise.allSettled(Array.from({ length: 40 }, async () =>
      await dependency.call({ latencyMs: 1 })))
    return settled.map((result) => result.status === 'fulfilled' ? 'o' : 'x').join('')
  }
  const first = await outcomes(7)
  t.equal(await outcomes(7), first)
  const failed = first.split('x').length - 1
  t.ok(failed >= 10 && failed <= 30, `about half failed: ${first}`)
  const dependency = new SimulatedDependency({ failureRate: 1 })
  const started = performance.now()
  await t.rejects(dependency.call({ latencyMs: 50 }),
    { name: 'DependencyError', failure: 'failed', message: 'the dependency failed' })
  t.ok(performance.now() - started >= 45, 'failed after its latency, as a real call does')
})

t.test('a call may set its own jitter and failure rate over the dependency\'s', async (t) => {
  const dependency = new SimulatedDependency({ failureRate: 1, jitterMs: 1000, seed: 1 })
  t.same(await dependency.call({ latencyMs: 5, failureRate: 0, jitterMs: 0 }), { latencyMs: 5 })
  const always = new SimulatedDependency()
  await t.rejects(always.call({ latencyMs: 1, failureRate: 1 }), { name: 'DependencyError', failure: 'failed' })
})

t.test('a pool runs at most its size at once; the others queue and run in order as slots free', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 2, queueTimeoutMs: 0 })
  const finished: number[] = []
  const started = performance.now()
  const calls = [0, 1, 2, 3, 4].map(async (index) => {
    await dependency.call({ latencyMs: 60 })
    finished.push(index)
  })
  t.equal(dependency.inFlight, 2)
  t.equal(dependency.queued, 3)
  await Promise.all(calls)
  t.same(finished, [0, 1, 2, 3, 4], 'in the order they came')
  t.ok(performance.now() - started >= 3 * 60 - 15, 'three rounds of 60 ms')
  t.equal(dependency.inFlight, 0)
})

t.test('a call that waits longer than the queue timeout is rejected, and leaves the queue and its timer', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 50 })
  const holding = dependency.call({ latencyMs: 300 })
  const before = timers()
  const started = performance.now()
  await t.rejects(dependency.call({ latencyMs: 1 }),
    { name: 'DependencyError', failure: 'rejected', message: 'no connection to the dependency was free within 50 ms' })
  const waited = performance.now() - started
  t.ok(waited >= 45 && waited < 250, `rejected after the queue timeout (${Math.round(waited)} ms)`)
  t.equal(dependency.queued, 0)
  t.equal(timers(), before, 'its queue timer is gone')
  await holding
})

t.test('a queued call that is cancelled leaves the queue at once, and the next in line gets the slot', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 10_000 })
  const holding = dependency.call({ latencyMs: 100 })
  const cancellation = new Cancellation()
  const cancelled = dependency.call({ latencyMs: 1 }, cancellation)
  const next = dependency.call({ latencyMs: 1 })
  const before = timers()
  t.equal(dependency.queued, 2)
  cancellation.cancel(new Error('gone'))
  await t.rejects(cancelled, { message: 'gone' })
  t.equal(dependency.queued, 1)
  t.equal(timers(), before - 1, 'its queue timer is gone')
  await holding
  await t.resolves(next)
  t.equal(dependency.inFlight, 0)
})

t.test('a cancelled call gives its slot back at once', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 10_000 })
  const cancellation = new Cancellation()
  const holding = dependency.call({ latencyMs: 10_000 }, cancellation)
  const started = performance.now()
  const next = dependency.call({ latencyMs: 1 })
  cancellation.cancel(new Error('gone'))
  await t.rejects(holding)
  await next
  t.ok(performance.now() - started < 1000, 'the next call did not wait for the cancelled one\'s latency')
})

t.test('a call cancelled just as a connection is handed to it from the queue gives the connection back', async (t) => {
  const dependency = new SimulatedDependency({ poolSize: 1, queueTimeoutMs: 100 })
  const first = new Cancellation()
  const second = new Cancellation()
  const holding = dependency.call({ latencyMs: 10_000 }, first)
  const queued = dependency.call({ latencyMs: 10_000 }, second)
  // Cancelling the first hands its connection to the second, whose cancellation comes before it can use it.
  first.cancel(new Error('first gone'))
  second.cancel(new Error('second gone'))
  await t.rejects(holding, { message: 'first gone' })
  await t.rejects(queued, { message: 'second gone' })
  t.equal(dependency.inFlight, 0)
  await t.resolves(dependency.call({ latencyMs: 1 }), 'the connection is free for the next call')
})
