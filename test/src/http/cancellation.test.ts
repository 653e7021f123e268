// The cancellation handle: callbacks run once with the first reason, can be unregistered, and an AbortSignal on demand.
import t from 'tap'
import { Cancellation } from '../../../src/http/cancellation.ts'

t.test('cancel runs each registered callback once with the reason, and keeps the first reason', async (t) => {
  const cancellation = new Cancellation()
  const seen: string[] = []
  cancellation.onCancel((reason) => seen.push(`a:${reason.message}`))
  cancellation.onCancel((reason) => seen.push(`b:${reason.message}`))
  t.equal(cancellation.reason, undefined)
  cancellation.cancel(new Error('first'))
  cancellation.cancel(new Error('second'))
  t.same(seen, ['a:first', 'b:first'])
  t.equal(cancellation.reason?.message, 'first')
})

t.test('an unregistered callback is not run', async (t) => {
  const cancellation = new Cancellation()
  const seen: string[] = []
  const callback = (): void => { seen.push('called') }
  cancellation.onCancel(callback)
  cancellation.off(callback)
  cancellation.off(() => {})
  new Cancellation().off(callback)
  cancellation.cancel(new Error('gone'))
  t.same(seen, [])
})

t.test('once cancelled, registering and throwIfCancelled throw the reason', async (t) => {
  const cancellation = new Cancellation()
  t.doesNotThrow(() => { cancellation.throwIfCancelled() })
  const reason = new Error('gone')
  cancellation.cancel(reason)
  t.throws(() => { cancellation.throwIfCancelled() }, reason)
  t.throws(() => { cancellation.onCancel(() => {}) }, reason)
})

t.test('its signal aborts with the reason, whether made before or after the cancel', async (t) => {
  const early = new Cancellation()
  const signal = early.signal
  t.equal(early.signal, signal, 'made once')
  t.equal(signal.aborted, false)
  const reason = new Error('gone')
  early.cancel(reason)
  t.equal(signal.aborted, true)
  t.equal(signal.reason, reason)
  const late = new Cancellation()
  late.cancel(reason)
  t.equal(late.signal.aborted, true)
  t.equal(late.signal.reason, reason)
})
