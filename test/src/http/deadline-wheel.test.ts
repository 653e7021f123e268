// The deadline wheel: items expire after their time, at most a tick late, unless deleted first; its one timer runs only
// while items wait.
import t from 'tap'
import { DeadlineWheel } from '../../../src/http/deadline-wheel.ts'

/** How many timers are keeping the process alive. */
const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('each item expires after its time, in order, at most a tick late', async (t) => {
  const expired: Array<[string, number]> = []
  const started = performance.now()
  const wheel = new DeadlineWheel<string>(20, (item) => expired.push([item, performance.now() - started]))
  wheel.add('late', 150)
  wheel.add('early', 50)
  wheel.add('also early', 50)
  while (expired.length < 3) await sleep(10)
  t.same(expired.map(([item]) => item), ['early', 'also early', 'late'])
  const [, earlyAt] = expired[0] as [string, number]
  const [, lateAt] = expired[2] as [string, number]
  t.ok(earlyAt >= 50, `not before its time (${Math.round(earlyAt)} ms)`)
  t.ok(lateAt >= 150, `not before its time (${Math.round(lateAt)} ms)`)
})

t.test('a deleted item never expires, and deleting twice or from another slot changes nothing', async (t) => {
  const expired: string[] = []
  const wheel = new DeadlineWheel<string>(10, (item) => expired.push(item))
  const slot = wheel.add('deleted', 30)
  wheel.add('kept', 30)
  wheel.delete('deleted', slot)
  wheel.delete('deleted', slot)
  wheel.delete('kept', slot + 1000)
  await sleep(100)
  t.same(expired, ['kept'])
})

t.test('its one timer runs while items wait and stops when none is left', async (t) => {
  const wheel = new DeadlineWheel<number>(10, () => {})
  const before = timers()
  const slots = [1, 2, 3].map((item) => [item, wheel.add(item, 10_000)] as const)
  t.equal(timers(), before + 1, 'one timer for three items')
  for (const [item, slot] of slots) wheel.delete(item, slot)
  t.equal(timers(), before, 'stopped once all are deleted')
  wheel.add(4, 20)
  t.equal(timers(), before + 1)
  await sleep(80)
  t.equal(timers(), before, 'stopped once all expired')
})
