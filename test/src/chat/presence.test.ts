// Presence frames: the first change after a quiet interval at once, the changes within an interval gathered into one
// frame at its end, names listed up to a hundred and all counted, nothing sent while nobody comes or goes.
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Presence } from '../../../src/chat/presence.ts'

/** A presence whose frames are kept, parsed, their time checked and left out. */
function presence (t: Test, intervalMs: number): { presence: Presence, frames: Array<Record<string, unknown>> } {
  const frames: Array<Record<string, unknown>> = []
  const sent = new Presence({
    intervalMs,
    send: (frame) => {
      const { at, ...rest } = JSON.parse(frame)
      t.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      frames.push(rest)
    }
  })
  t.teardown(() => { sent.stop() })
  return { presence: sent, frames }
}

t.test('the first change after a quiet interval goes at once; those within the interval go together at its end',
  async (t) => {
    const { presence: room, frames } = presence(t, 200)
    room.change({ type: 'join', name: 'ann', online: 1 })
    t.same(frames, [{ type: 'presence', joined: ['ann'], joinedCount: 1, left: [], leftCount: 0, online: 1 }])
    room.change({ type: 'join', name: 'bob', online: 2 })
    room.change({ type: 'leave', name: 'ann', online: 1 })
    room.change({ type: 'join', name: 'cid', online: 2 })
    t.equal(frames.length, 1, 'gathered, not sent')
    while (frames.length === 1) await sleep(10)
    t.same(frames[1],
      { type: 'presence', joined: ['bob', 'cid'], joinedCount: 2, left: ['ann'], leftCount: 1, online: 2 })
    await sleep(400)
    t.equal(frames.length, 2, 'nothing more while nobody comes or goes')
    room.change({ type: 'leave', name: 'bob', online: 1 })
    t.same(frames[2], { type: 'presence', joined: [], joinedCount: 0, left: ['bob'], leftCount: 1, online: 1 },
      'quiet for an interval: at once again')
  })

t.test('a storm of joins lists the first hundred names and counts them all, in one frame an interval', async (t) => {
  const { presence: room, frames } = presence(t, 100)
  room.change({ type: 'join', name: 'first', online: 1 })
  for (let n = 2; n <= 3000; n++) room.change({ type: 'join', name: `p${n}`, online: n })
  while (frames.length === 1) await sleep(10)
  t.equal(frames.length, 2)
  const storm = frames[1] as { joined: string[], joinedCount: number, online: number }
  t.equal(storm.joinedCount, 2999)
  t.same(storm.joined, Array.from({ length: 100 }, (_, index) => `p${index + 2}`))
  t.equal(storm.online, 3000)
})

t.test('an interval of 0 sends a frame for each change, at once', async (t) => {
  const { presence: room, frames } = presence(t, 0)
  room.change({ type: 'join', name: 'ann', online: 1 })
  room.change({ type: 'join', name: 'bob', online: 2 })
  t.match(frames, [{ joined: ['ann'], online: 1 }, { joined: ['bob'], online: 2 }])
})

t.test('stopped, it sends nothing more: what it gathered is dropped', async (t) => {
  const { presence: room, frames } = presence(t, 50)
  room.change({ type: 'join', name: 'ann', online: 1 })
  room.change({ type: 'join', name: 'bob', online: 2 })
  room.stop()
  await sleep(150)
  t.equal(frames.length, 1)
})
