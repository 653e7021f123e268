// The memory feed: one call at a time, each published as a numbered update; stopping cancels; replay of what was
// missed.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Cancellation } from '../../../src/http/cancellation.ts'
import { MemoryLiveFeed } from '../../../src/live/memory.ts'
import type { LiveUpdate } from '../../../src/live/port.ts'

/** A call the test ends by hand. */
interface PendingCall {
  cancellation: Cancellation
  resolve: () => void
  reject: (error: Error) => void
}

/** A feed whose calls the test ends, what it delivered (published), and each update's turn, made then delivered. */
function feed (intervalMs: number, replaySize = 100) {
  const calls: PendingCall[] = []
  const published: LiveUpdate[] = []
  const turns: string[] = []
  let called: (() => void) | undefined
  const live = new MemoryLiveFeed({
    intervalMs,
    replaySize,
    call: async (cancellation) => await new Promise<void>((resolve, reject) => {
      cancellation.onCancel(reject)
      calls.push({ cancellation, resolve, reject })
      called?.()
    }),
    produced: (update) => { turns.push(`produced ${update.seq}`) },
    deliver: (update) => {
      turns.push(`delivered ${update.seq}`)
      published.push(update)
    }
  })
  /** Resolves once the feed has made `count` calls in all. */
  const callsMade = async (count: number): Promise<void> => {
    while (calls.length < count) await new Promise<void>((resolve) => { called = resolve })
  }
  /** Waits until the publications settle (a then chain). */
  const settled = async (): Promise<void> => { await sleep(1) }
  /** Starts the feed and answers its first `count` calls, one after another. */
  const answered = async (count: number): Promise<void> => {
    live.start()
    for (let made = 1; made <= count; made++) {
      await callsMade(made)
      calls[made - 1]?.resolve()
      await settled()
    }
  }
  return { live, calls, published, turns, callsMade, settled, answered }
}

t.test('the first call starts at once, and each answer is the next update, counted as made, then delivered',
  async (t) => {
    const { live, calls, published, turns, callsMade, settled } = feed(10)
    t.notOk(live.running)
    live.start()
    t.ok(live.running)
    t.equal(calls.length, 1, 'the first call at once')
    calls[0]?.resolve()
    await settled()
    t.equal(published.length, 1)
    t.match(published[0], { seq: 1, ok: true, at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, latencyMs: Number })
    t.notOk('error' in (published[0] as object), 'no error field when the call succeeded')
    await callsMade(2)
    calls[1]?.reject(new Error('The dependency failed: boom'))
    await settled()
    t.same(published.map(({ seq, ok, error }) => ({ seq, ok, error })), [
      { seq: 1, ok: true, error: undefined },
      { seq: 2, ok: false, error: 'The dependency failed: boom' }
    ])
    t.same(turns, ['produced 1', 'delivered 1', 'produced 2', 'delivered 2'])
    live.stop(new Error('done'))
  })

t.test('an update says how long its call took', async (t) => {
  const { live, calls, published, settled } = feed(1000)
  const before = performance.now()
  live.start()
  await sleep(60)
  calls[0]?.resolve()
  await settled()
  const within = performance.now() - before
  const latencyMs = published[0]?.latencyMs as number
  t.ok(latencyMs >= 59 && latencyMs <= Math.ceil(within),
    `${latencyMs} ms: from the call's start to its answer, within the ${within} ms the test waited`)
  live.stop(new Error('done'))
})

t.test(
  'the next call waits for the interval from the last one\'s start, and starts at once after a slow call',
  async (t) => {
    const { live, calls, callsMade, settled } = feed(1000)
    live.start()
    calls[0]?.resolve()
    await settled()
    t.equal(calls.length, 1, 'no second call before the interval')
    const waitFrom = performance.now()
    await callsMade(2)
    t.ok(performance.now() - waitFrom >= 900, 'the second call came an interval after the first')
    await sleep(1100)
    calls[1]?.resolve()
    const slowEnded = performance.now()
    await callsMade(3)
    // At once, not an interval later: a wide bound, half the interval.
    t.ok(performance.now() - slowEnded < 500, 'a call longer than the interval is followed at once')
    live.stop(new Error('done'))
  }
)

t.test('stop cancels the call in progress, which publishes nothing; a restart numbers on', async (t) => {
  const { live, calls, published, callsMade, settled } = feed(10)
  live.start()
  calls[0]?.resolve()
  await callsMade(2)
  const reason = new Error('nobody listens')
  live.stop(reason)
  t.notOk(live.running)
  t.equal(calls[1]?.cancellation.reason, reason)
  await settled()
  t.equal(published.length, 1, 'the cancelled call published nothing')
  await sleep(30)
  t.equal(calls.length, 2, 'no call after the stop')
  live.start()
  live.start()
  t.equal(calls.length, 3, 'starting twice makes one call')
  calls[2]?.resolve()
  await settled()
  t.same(published.map(({ seq }) => seq), [1, 2])
  live.stop(reason)
})

t.test('stopped while it waits for the next call, the feed makes none', async (t) => {
  const { live, calls, settled } = feed(50)
  live.start()
  calls[0]?.resolve()
  await settled()
  live.stop(new Error('nobody listens'))
  await sleep(100)
  t.equal(calls.length, 1)
})

t.test('replay gives the updates after the client\'s last, and counts those no longer kept', async (t) => {
  const { live, answered } = feed(0, 3)
  await answered(5)
  live.stop(new Error('done'))
  const seqs = (lastSeq: number) => {
    const { missed, updates } = live.replay(lastSeq)
    return { missed, seqs: updates.map(({ seq }) => seq) }
  }
  t.same(seqs(3), { missed: 0, seqs: [4, 5] })
  t.same(seqs(5), { missed: 0, seqs: [] }, 'up to date')
  t.same(seqs(2), { missed: 0, seqs: [3, 4, 5] }, 'the oldest kept is the next it needs')
  t.same(seqs(0), { missed: 2, seqs: [3, 4, 5] }, 'updates 1 and 2 are gone')
  t.same(seqs(9), { missed: null, seqs: [3, 4, 5] }, 'an id ahead of the feed: from an earlier run')
})

t.test('with nothing kept, replay counts every update missed', async (t) => {
  const { live, answered } = feed(0, 0)
  await answered(2)
  live.stop(new Error('done'))
  t.same(live.replay(0), { missed: 2, updates: [] })
  t.same(live.replay(2), { missed: 0, updates: [] })
})
