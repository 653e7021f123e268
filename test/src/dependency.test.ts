// The simulated dependency: waits its latency, and a pending call is cancelled by its signal or by cancelAll.
import { getEventListeners } from 'node:events'
import t from 'tap'
import { SlowDependency } from '../../src/dependency.js'

t.test('a call resolves after its latency and is pending meanwhile', async (t) => {
  const dependency = new SlowDependency()
  const started = performance.now()
  const call = dependency.call(50)
  t.equal(dependency.pending, 1)
  await call
  t.ok(performance.now() - started >= 45, 'waited its latency')
  t.equal(dependency.pending, 0)
})

t.test('aborting its signal rejects a pending call at once with the reason', async (t) => {
  const dependency = new SlowDependency()
  const controller = new AbortController()
  const reason = new Error('client went away')
  const call = dependency.call(10_000, { signal: controller.signal })
  const started = performance.now()
  controller.abort(reason)
  await t.rejects(call, reason)
  t.ok(performance.now() - started < 1000, 'did not wait the latency')
  t.equal(dependency.pending, 0)
})

t.test('a signal aborted before the call rejects it without waiting', async (t) => {
  const dependency = new SlowDependency()
  const reason = new Error('already gone')
  await t.rejects(dependency.call(10_000, { signal: AbortSignal.abort(reason) }), reason)
  t.equal(dependency.pending, 0)
})

t.test('an abort without a reason rejects with an AbortError', async (t) => {
  const dependency = new SlowDependency()
  const controller = new AbortController()
  const call = dependency.call(10_000, { signal: controller.signal })
  controller.abort()
  await t.rejects(call, { name: 'AbortError' })
})

t.test('cancelAll rejects every pending call with its reason and leaves later calls alone', async (t) => {
  const dependency = new SlowDependency()
  const reason = new Error('closing')
  const calls = [dependency.call(10_000), dependency.call(10_000, { signal: new AbortController().signal })]
  dependency.cancelAll(reason)
  for (const call of calls) await t.rejects(call, reason)
  t.equal(dependency.pending, 0)
  await t.resolves(dependency.call(1), 'a new call still works')
})

/** How many timers are keeping the process alive. */
const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length

t.test('a call that finishes no longer listens to its signal', async (t) => {
  const dependency = new SlowDependency()
  const controller = new AbortController()
  const call = dependency.call(1, { signal: controller.signal })
  t.equal(getEventListeners(controller.signal, 'abort').length, 1, 'listens while pending')
  await call
  t.equal(getEventListeners(controller.signal, 'abort').length, 0)
})

t.test('a call that is cancelled frees its timer and its listener at once', async (t) => {
  const dependency = new SlowDependency()
  const controller = new AbortController()
  const before = timers()
  const byCancelAll = dependency.call(10_000)
  const bySignal = dependency.call(10_000, { signal: controller.signal })
  t.equal(timers(), before + 2, 'a timer each while pending')
  controller.abort(new Error('gone'))
  await t.rejects(bySignal)
  t.equal(getEventListeners(controller.signal, 'abort').length, 0)
  dependency.cancelAll(new Error('closing'))
  await t.rejects(byCancelAll)
  t.equal(timers(), before, 'no timer left behind')
})
