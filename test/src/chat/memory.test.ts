// The room in memory, without sockets: a newcomer's history with the online count, messages to all with ids from 1,
// every join and leave told to presence with the count, the history kept to its size.
import t, { type Test } from 'tap'
import { MemoryChatHub } from '../../../src/chat/memory.ts'
import type { PresenceChange } from '../../../src/chat/port.ts'

/** What one socket would get: every frame, parsed, its time left out once checked. */
function listener (t: Test): { listener: (data: string) => void, frames: Array<Record<string, unknown>> } {
  const frames: Array<Record<string, unknown>> = []
  return {
    listener: (data) => {
      const { at, ...frame } = JSON.parse(data)
      if (frame.type !== 'history') t.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      frames.push(frame)
    },
    frames
  }
}

t.test(
  'messages reach the listeners in the order they are said, the same text for all; joins and leaves go to presence',
  async (t) => {
    const changes: PresenceChange[] = []
    const hub = new MemoryChatHub({ historySize: 2, presence: (change) => { changes.push(change) } })
    const ann = listener(t)
    const bob = listener(t)
    await hub.join('ann', ann.listener)
    await hub.say('ann', 'one')
    await hub.join('bob', bob.listener)
    await hub.say('bob', 'two')
    await hub.say('ann', 'three')
    await hub.leave(bob.listener)
    await hub.say('ann', 'four')
    t.same(ann.frames, [
      { type: 'history', messages: [], online: 1 },
      { type: 'message', id: 1, from: 'ann', text: 'one' },
      { type: 'message', id: 2, from: 'bob', text: 'two' },
      { type: 'message', id: 3, from: 'ann', text: 'three' },
      { type: 'message', id: 4, from: 'ann', text: 'four' }
    ])
    t.match(bob.frames, [
      { type: 'history', messages: [{ type: 'message', id: 1, from: 'ann', text: 'one' }], online: 2 },
      { type: 'message', id: 2 },
      { type: 'message', id: 3 }
    ])
    t.equal(bob.frames.length, 3, 'nothing after its leave')
    t.same(changes, [
      { type: 'join', name: 'ann', online: 1 },
      { type: 'join', name: 'bob', online: 2 },
      { type: 'leave', name: 'bob', online: 1 }
    ])
    const carol = listener(t)
    await hub.join('carol', carol.listener)
    t.same((carol.frames[0]?.messages as Array<{ id: number }>).map(({ id }) => id), [3, 4], 'the last 2, oldest first')
    await hub.close()
  }
)
