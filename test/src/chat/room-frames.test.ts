// The frames the room sends, as the chat protocol spells them, and a frame split around the number a Redis script puts
// in: put back together with any number, it is the frame encoded with that number.
import t from 'tap'
import { aroundNumber, errorFrame, historyFrame, messageFrame, presenceFrame } from '../../../src/chat/room-frames.ts'

const AT = '2026-12-07T01:02:03.456Z'

t.test('each frame as the protocol spells it', async (t) => {
  t.equal(messageFrame(7, 'ann', 'hi "there"', AT),
    '{"type":"message","id":7,"from":"ann","text":"hi \\"there\\"","at":"2026-12-07T01:02:03.456Z"}')
  t.equal(presenceFrame({ joined: ['bob', 'cid'], joinedCount: 2, left: ['dee'], leftCount: 1, online: 3, at: AT }),
    '{"type":"presence","joined":["bob","cid"],"joinedCount":2,"left":["dee"],"leftCount":1,"online":3,' +
    '"at":"2026-12-07T01:02:03.456Z"}')
  t.equal(errorFrame('text is too long'), '{"type":"error","message":"text is too long"}')
  t.equal(historyFrame([], 1), '{"type":"history","messages":[],"online":1}')
  t.same(JSON.parse(historyFrame(['{"type":"message","id":1}', '{"type":"message","id":2}'], 4)),
    { type: 'history', messages: [{ type: 'message', id: 1 }, { type: 'message', id: 2 }], online: 4 })
})

t.test('a frame split around its number is whole again with any number, whatever its strings hold', async (t) => {
  const tricky = 'x","id":0,"online":0 \\"id\\":0'
  const [beforeId, afterId] = aroundNumber(messageFrame(0, tricky, tricky, AT), 'id')
  t.equal(`${beforeId}42${afterId}`, messageFrame(42, tricky, tricky, AT))
  const change = (online: number): string => JSON.stringify({ type: 'join', name: tricky, online })
  const [beforeOnline, afterOnline] = aroundNumber(change(0), 'online')
  t.equal(`${beforeOnline}1234${afterOnline}`, change(1234))
})
