// Presence through the app: joins within CHAT_PRESENCE_INTERVAL_MS told together in one frame to every socket, and a
// newcomer that waits for Redis gets no presence frame before its history.
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t from 'tap'
import { chatReplica } from '../../helpers/chat-replica.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { ChatClient } from '../../helpers/ws-client.ts'

t.setTimeout(60_000)

t.test('joins within an interval reach every socket in one presence frame at its end', async (t) => {
  const redis = await redisServer(t)
  const room = await chatReplica(t, redis.url, { CHAT_PRESENCE_INTERVAL_MS: '500' })
  const { client: ann } = await room.join('ann')
  const others = await Promise.all(['bob', 'cid', 'dee'].map(async (name) => await ChatClient.connect(room.url(name))))
  for (const client of others) t.match(await client.next(), { type: 'history' })
  const gathered = await ann.next()
  t.match(gathered, { type: 'presence', joinedCount: 3, leftCount: 0, online: 4 })
  t.same([...gathered.joined].sort(), ['bob', 'cid', 'dee'])
  for (const client of others) t.same(await client.next(), gathered, 'the same frame to every socket in the room')
})

t.test('a newcomer whose join waits for Redis gets no presence frame before its history', async (t) => {
  const server = await redisServer(t)
  const room = await chatReplica(t, server.url, { CHAT_PRESENCE_INTERVAL_MS: '1000' })
  const { client: ann } = await room.join('ann')
  // Bob's join is gathered: its frame goes a second after ann's.
  const bob = await ChatClient.connect(room.url('bob'))
  t.match(await bob.next(), { type: 'history' })
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  // Carol's join waits, Redis taking no write, while that frame goes.
  await redis.client('PAUSE', 1500, 'WRITE')
  const carol = await ChatClient.connect(room.url('carol'))
  t.match(await ann.next(), { type: 'presence', joined: ['bob'] }, 'the frame went while carol waited')
  await sleep(100)
  t.match(await carol.next(), { type: 'history', online: 3 }, 'carol\'s first frame is her history')
  t.match(await carol.next(), { type: 'presence', joined: ['carol'] }, 'then her own join')
})
