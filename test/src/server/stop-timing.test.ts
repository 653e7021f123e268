// When a stop's serving ends: once nothing has arrived for the quiet time (counted from the stop at the earliest), at
// the delay's end while things keep arriving or with no quiet time, or at once when aborted; when idle connections are
// first closed.
import t from 'tap'
import { firstSweepIn, quietOrDelay } from '../../../src/server/stop-timing.ts'

const never = new AbortController().signal

t.test('nothing arriving: it ends quiet, the quiet time after the call; an earlier arrival not counted', async (t) => {
  const called = performance.now()
  t.equal(await quietOrDelay(100, 600_000, () => 0, never), 'quiet')
  t.ok(performance.now() - called >= 99, 'not before the quiet time has passed since the call')
})

t.test('something always just arriving: it ends at the delay', async (t) => {
  const called = performance.now()
  t.equal(await quietOrDelay(50, 300, () => performance.now(), never), 'delay')
  t.ok(performance.now() - called >= 299, 'not before the delay')
})

t.test('a quiet time of 0 waits the whole delay, though nothing arrives', async (t) => {
  const called = performance.now()
  t.equal(await quietOrDelay(0, 200, () => 0, never), 'delay')
  t.ok(performance.now() - called >= 199, 'not before the delay')
})

t.test('aborted, before or during: it ends at once', async (t) => {
  t.equal(await quietOrDelay(600_000, 600_000, () => 0, AbortSignal.abort()), 'aborted')
  const controller = new AbortController()
  const ended = quietOrDelay(600_000, 600_000, () => 0, controller.signal)
  controller.abort()
  t.equal(await ended, 'aborted')
})

t.test('the first sweep of idle connections comes once the youngest can have had its grace', async (t) => {
  t.equal(firstSweepIn(1000, 0, 50_000), 1000, 'no stop noted: one may have just arrived, a whole grace')
  t.equal(firstSweepIn(1000, 49_500, 50_000), 500, 'the last arrival half a grace ago: the other half')
  t.equal(firstSweepIn(1000, 48_000, 50_000), 0, 'the last arrival longer ago than the grace: at once')
})
