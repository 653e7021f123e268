// GET /chat on two replicas while their Redis is down: a newcomer is closed with 1013 and a reason, a message gets an
// error frame saying it was not sent, the sockets in the room stay, the readers say so once; with Redis back, without a
// restart, messages cross the replicas again with ids above the last; at the close, the reader stops at once.
import { Redis } from 'ioredis'
import t from 'tap'
import { redisServer } from '../../helpers/redis-server.ts'
import { chatReplica } from '../../helpers/chat-replica.ts'
import { until } from '../../helpers/upstream.ts'
import { ChatClient } from '../../helpers/ws-client.ts'

// Redis is stopped and started again, and the readers are left a few of their retries while it is down.
t.setTimeout(120_000)

t.test(
  'Redis down: newcomers closed with 1013, messages refused with an error frame, the rest stays; then back',
  async (t) => {
    const redis = await redisServer(t)
    const logLines: string[] = []
    const a = await chatReplica(t, redis.url, { LOG_LEVEL: 'info' }, logLines)
    const b = await chatReplica(t, redis.url)
    const { client: ann } = await a.join('ann')
    const { client: bob } = await b.join('bob')
    t.match(await ann.next(), { type: 'presence', joined: ['bob'] })
    ann.send({ type: 'message', text: 'before' })
    for (const client of [ann, bob]) t.match(await client.next(), { type: 'message', id: 1, text: 'before' })

    await redis.stop()
    await until(() => a.fastify.redis?.up === false && b.fastify.redis?.up === false, 20_000)
    const carol = await ChatClient.connect(a.url('carol'))
    t.same(await carol.closed, { code: 1013, reason: 'the chat is unavailable for now; retry later' },
      'a newcomer is told to try again later')
    await t.rejects(carol.next(), 'with no frame before')
    ann.send({ type: 'message', text: 'during' })
    t.same(await ann.next(),
      { type: 'error', message: 'message not sent: the chat is unavailable for now; retry later' })
    await ann.ping()
    await bob.ping()
    // A few of the readers' retries, each a second apart: they say the outage once.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const text = await a.metrics()
    t.match(text, /\nchat_errors_total\{reason="unavailable"\} 2\n/, 'the newcomer and the message')
    t.match(text, /\nchat_messages_total 1\n/, 'the message not sent is not counted')
    t.match(text, /\nchat_connections_open 1\n/, 'ann stays; carol is gone')

    await redis.start()
    await until(() => a.fastify.redis?.up === true && b.fastify.redis?.up === true, 20_000)
    ann.send({ type: 'message', text: 'after' })
    for (const client of [ann, bob]) {
      t.match(await client.next(), { type: 'message', id: 2, from: 'ann', text: 'after' },
        'across the replicas again, the id above the last though Redis lost its data')
    }
    const { history } = await b.join('dave')
    t.match(history.messages, [{ id: 2, text: 'after' }], 'the history since Redis came back')

    const lines = logLines.map((line) => JSON.parse(line) as { level: number, msg: string })
    t.equal(lines.filter(({ msg }) => msg === 'chat: Redis unreachable; trying again').length, 1,
      "A's reader said it once")
    t.ok(lines.some(({ msg }) => msg === 'chat: Redis answers again'), 'and that it reads again')
  }
)

t.test('Redis connected but not answering: once a check goes unanswered, a message and a newcomer are refused at once',
  async (t) => {
    const redis = await redisServer(t)
    const a = await chatReplica(t, redis.url)
    const { client: ann } = await a.join('ann')
    const admin = new Redis(redis.url)
    t.teardown(() => { admin.disconnect() })
    // Redis holds every client's commands for 5 s: connected, but answering none.
    await admin.call('CLIENT', 'PAUSE', '5000', 'ALL')
    await until(() => a.fastify.redis?.up === false, 20_000)
    ann.send({ type: 'message', text: 'during' })
    t.same(await ann.next(),
      { type: 'error', message: 'message not sent: the chat is unavailable for now; retry later' })
    const carol = await ChatClient.connect(a.url('carol'))
    t.same(await carol.closed, { code: 1013, reason: 'the chat is unavailable for now; retry later' })
    await until(() => a.fastify.redis?.up === true, 20_000)
    ann.send({ type: 'message', text: 'after' })
    t.match(await ann.next(), { type: 'message', from: 'ann', text: 'after' }, 'sent once Redis answers again')
  })

t.test('the close stops the reader at once, blocked in Redis or waiting for it', async (t) => {
  const redis = await redisServer(t)
  const a = await chatReplica(t, redis.url)
  const b = await chatReplica(t, redis.url)
  // Both readers wait in Redis for a frame, which no socket's leave brings at the close.
  const probe = new Redis(redis.url)
  const blockedReaders = async (): Promise<number> => (await probe.client('LIST') as string).split('\n')
    .filter((line) => line.includes(' name=async-service:chat ') && line.includes(' flags=b ')).length
  while (await blockedReaders() < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  probe.disconnect()
  let started = performance.now()
  await a.fastify.close()
  // Well under a read's 30 s block.
  t.ok(performance.now() - started < 15_000, `Redis up: ${Math.round(performance.now() - started)} ms`)
  await redis.stop()
  await until(() => b.fastify.redis?.up === false, 20_000)
  started = performance.now()
  await b.fastify.close()
  t.ok(performance.now() - started < 15_000, `Redis down: ${Math.round(performance.now() - started)} ms`)
})
