// The frames the room sends, as the chat protocol spells them, and a frame split around the number a Redis script puts
// in: put back together with any number, it is the frame encoded with that number.
import t from 'tap'
import {
  aroundNumber, errorFrame, historyFrame, messageFrame, presenceFrame
} from '../../../src/chat/room-frames.ts'

const AT = '2026-12-07T01:02:03.456Z'

t.test('each frame as the protocol spells it', async (t) => {
  t.equal(messageFrame(7, 'ann', 'hi "there"', AT),
    '{"type":"message","id":7,"from":"ann","text":"hi \\"there\\"","at":"2026-12-07T01:02:03.456Z"}')
  t.equal(presenceFrame('join', 'bob', AT, 3),
    '{"type":"join","name":"bob","at":"2026-12-07T01:02:03.456Z","online":3}')
  t.equal(presenceFrame('leave', 'bob', AT, 2),
    '{"type":"leave","name":"bob","at":"2026-12-07T01:02:03.456Z","online":2}')
  t.equal(errorFrame('text is too long'), '{"type":"error","message":"text is too long"}')
  t.equal(historyFrame([]), '{"type":"history","messages":[]}')
  t.same(JSON.parse(historyFrame(['{"type":"message","id":1}', '{"type":"message","id":2}'])),
    { type: 'history', messages: [{ type: 'message', id: 1 }, { type: 'message', id: 2 }] })
})

t.test('a frame split around its number is whole again with any number, whatever its strings hold', async (t) => {
  const tricky = 'x","id":0,"online":0 \\"id\\":0'
  const [beforeId, afterId] = aroundNumber(messageFrame(0, tricky, tricky, AT), 'id')
  t.equal(`${beforeId}42${afterId}`, messageFrame(42, tricky, tricky, AT))
  const [beforeOnline, afterOnline] = aroundNumber(presenceFrame('join', tricky, AT, 0), 'online')
  t.equal(`${beforeOnline}1234${afterOnline}`, presenceFrame('join', tricky, AT, 1234))
})
