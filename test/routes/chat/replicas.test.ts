// GET /chat on two replicas sharing one Redis: a message sent through either reaches the clients of both, in one order,
// with ids increasing across them; a newcomer on one gets the history made on the other; joins and leaves are announced
// on both with the sockets online on both; a replica's stop closes its sockets and leaves the other's room as it was.
import t from 'tap'
import { redisServer } from '../../helpers/redis-server.ts'
import { chatReplica } from '../../helpers/chat-replica.ts'
import { joinedFrame, leftFrame, type ChatClient } from '../../helpers/ws-client.ts'

/** The next `count` messages `client` gets, the frames between them left out. */
async function messages (client: ChatClient, count: number): Promise<Array<Record<string, unknown>>> {
  const received: Array<Record<string, unknown>> = []
  while (received.length < count) {
    const frame = await client.next()
    if (frame.type === 'message') received.push(frame)
  }
  return received
}

t.test('messages sent through both replicas reach the clients of both, senders included, in one order', async (t) => {
  const redis = await redisServer(t)
  const a = await chatReplica(t, redis.url)
  const b = await chatReplica(t, redis.url)
  const { client: ann } = await a.join('ann')
  const { client: bob, joined } = await b.join('bob')
  t.match(joined, { online: 2 }, 'ann on A counted')
  t.match(await ann.next(), joinedFrame('bob', 2), 'ann on A sees bob join on B')
  for (const text of ['1', '2', '3']) {
    ann.send({ type: 'message', text: `ann ${text}` })
    bob.send({ type: 'message', text: `bob ${text}` })
  }
  const seenByAnn = await messages(ann, 6)
  const seenByBob = await messages(bob, 6)
  t.same(seenByBob, seenByAnn, 'the same frames in the same order')
  t.same(seenByAnn.map(({ id }) => id), [1, 2, 3, 4, 5, 6], 'ids increasing across the replicas')
  t.same(seenByAnn.filter(({ from }) => from === 'ann').map(({ text }) => text), ['ann 1', 'ann 2', 'ann 3'],
    "each sender's in the order sent")
  t.same(seenByAnn.filter(({ from }) => from === 'bob').map(({ text }) => text), ['bob 1', 'bob 2', 'bob 3'])
  for (const { metrics } of [a, b]) {
    const text = await metrics()
    t.match(text, /\nchat_messages_total 3\n/, "each replica counts its own sockets' messages")
    t.match(text, /\nchat_connections_open 1\n/, 'and its own sockets')
  }
})

t.test(
  'a newcomer on one replica gets the history made on the other, then its join with everyone online',
  async (t) => {
    const redis = await redisServer(t)
    const a = await chatReplica(t, redis.url, { CHAT_HISTORY: '2' })
    const b = await chatReplica(t, redis.url, { CHAT_HISTORY: '2' })
    const { client: ann } = await a.join('ann')
    for (const text of ['one', 'two', 'three']) ann.send({ type: 'message', text })
    await messages(ann, 3)
    const { history, joined } = await b.join('carol')
    t.match(history.messages, [{ id: 2, from: 'ann', text: 'two' }, { id: 3, from: 'ann', text: 'three' }],
      'the last CHAT_HISTORY, oldest first')
    t.equal(history.messages.length, 2)
    t.match(joined, joinedFrame('carol', 2))
  }
)

t.test(
  'joins and leaves are announced on both replicas with the sockets online on both; a stop closes its own',
  async (t) => {
    const redis = await redisServer(t)
    const a = await chatReplica(t, redis.url)
    const b = await chatReplica(t, redis.url)
    const { client: ann } = await a.join('ann')
    const { client: bob } = await b.join('bob')
    t.match(await ann.next(), joinedFrame('bob', 2))
    const { client: secondAnn, joined } = await b.join('ann')
    t.match(joined, { online: 3 }, 'a name may join twice, on either replica')
    for (const client of [ann, bob]) t.match(await client.next(), joinedFrame('ann', 3))
    await bob.close()
    for (const client of [ann, secondAnn]) {
      t.match(await client.next(), leftFrame('bob', 2), 'a leave on B')
    }
    secondAnn.socket.terminate()
    t.match(await ann.next(), leftFrame('ann', 1), 'a socket that drops on B leaves too')
    const { client: dave } = await b.join('dave')
    t.match(await ann.next(), joinedFrame('dave', 2))
    await a.fastify.shutdown.stop()
    t.same(await ann.closed, { code: 1001, reason: 'server stopping' })
    t.match(await dave.next(), leftFrame('ann', 1), "A's socket announced as leaving as A stops")
    const { joined: erin } = await b.join('erin')
    t.match(erin, { online: 2 }, 'A counts for nothing once stopped')
  }
)
