// The room's gate: at most so many messages a second, refilled as time passes; none while too many sends wait; 0
// limits no rate.
import t from 'tap'
import { MAX_WAITING_SENDS, RoomGate } from '../../../src/chat/room-gate.ts'

t.test('at most the rate a second; a second later, as many again', async (t) => {
  const gate = new RoomGate(2, () => 0)
  const at = performance.now()
  t.equal(gate.refusal(at), undefined)
  t.equal(gate.refusal(at), undefined)
  t.equal(gate.refusal(at), 'the room takes at most 2 messages a second; try again in a moment')
  t.equal(gate.refusal(at + 1000), undefined)
})

t.test('none while more than MAX_WAITING_SENDS sends wait, whatever the rate; it takes again once they are sent',
  async (t) => {
    let waiting = 50_001
    const gate = new RoomGate(0, () => waiting)
    t.equal(MAX_WAITING_SENDS, 50_000)
    t.equal(gate.refusal(), 'the room is busy sending; try again in a moment')
    waiting = 50_000
    t.equal(gate.refusal(), undefined)
  })

t.test('a refusal for sends waiting takes nothing from the rate', async (t) => {
  let waiting = 60_000
  const gate = new RoomGate(1, () => waiting)
  const at = performance.now()
  t.match(gate.refusal(at), /busy sending/)
  waiting = 0
  t.equal(gate.refusal(at), undefined, 'its one message a second is still there')
})

t.test('rate 0: no limit on the rate', async (t) => {
  const gate = new RoomGate(0, () => 0)
  const refused = Array.from({ length: 1000 }, () => gate.refusal()).filter((refusal) => refusal !== undefined)
  t.same(refused, [])
})
