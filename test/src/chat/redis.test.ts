// The Redis hub against a real Redis, without the app: replicas as hubs of their own connections, for what the app's
// tests cannot reach: a newcomer seated while messages stream in, or before its replica's reader has reached Redis, a
// replica that dies without a close, Redis losing its data, Redis answering with an error, a leave whose join fails,
// the close while Redis is down.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { Listener, PresenceChange } from '../../../src/chat/port.ts'
import { RedisChatHub } from '../../../src/chat/redis.ts'
import { redisServer } from '../../helpers/redis-server.ts'
import { until } from '../../helpers/upstream.ts'

// Redis is stopped and started again, and a dead replica's count waits to expire.
t.setTimeout(120_000)

interface Line {
  level: string
  msg: string
}

interface Replica {
  hub: RedisChatHub
  client: Redis
  reader: Redis
  lines: Line[]
  /** The joins and leaves this replica read, in order. */
  changes: PresenceChange[]
}

/**
 * A replica: a hub with connections of its own, made as the app's are, closed when the test ends; its reader through
 * `readerUrl` if given.
 */
/** A replica's hub on Redis at `url`: its count's lifetime, the Redis its reader reads from, its history's size. */
interface HubOptions { countTtlMs?: number, readerUrl?: string, historySize?: number }

async function replica (
  t: Test,
  url: string,
  { countTtlMs, readerUrl = url, historySize = 1000 }: HubOptions = {}
): Promise<Replica> {
  const options = { maxRetriesPerRequest: 0, retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000) }
  const client = new Redis(url, { ...options, enableOfflineQueue: false })
  const reader = new Redis(readerUrl, options)
  for (const connection of [client, reader]) connection.on('error', () => {})
  const lines: Line[] = []
  const record = (level: string) => (object: unknown, msg?: string) => {
    lines.push({ level, msg: msg ?? String(object) })
  }
  const log = { info: record('info'), warn: record('warn'), error: record('error') } as unknown as FastifyBaseLogger
  const changes: PresenceChange[] = []
  const hub = new RedisChatHub({
    client,
    blocking: reader,
    prefix: 'test',
    historySize,
    presence: (change) => { changes.push(change) },
    log,
    ...(countTtlMs === undefined ? {} : { countTtlMs })
  })
  t.teardown(async () => {
    await hub.close()
    client.disconnect()
    reader.disconnect()
  })
  await until(() => client.status === 'ready', 20_000)
  return { hub, client, reader, lines, changes }
}

/** A way to the Redis on `port` that holds each connection until released, as a slow network would. */
async function heldWay (t: Test, port: number): Promise<{ url: string, release: () => void }> {
  const held: Socket[] = []
  const open: Socket[] = []
  let released = false
  function through (socket: Socket): void {
    const redis = connect(port, '127.0.0.1')
    open.push(socket, redis)
    for (const end of [socket, redis]) end.on('error', () => {})
    socket.pipe(redis).pipe(socket)
  }
  const server = createServer((socket) => {
    if (released) through(socket)
    else held.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of [...held, ...open]) socket.destroy()
    server.close()
  })
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release () {
      released = true
      for (const socket of held.splice(0)) through(socket)
    }
  }
}

/** What one socket would get: every frame, parsed. */
function listener (): { listener: Listener, frames: any[] } {
  const frames: any[] = []
  return { listener: (data) => { frames.push(JSON.parse(data)) }, frames }
}

/** The ids of the messages a socket saw, in its history and after. */
function messageIds (frames: any[]): number[] {
  return frames.flatMap((frame) => frame.type === 'history'
    ? frame.messages.map((message: { id: number }) => message.id)
    : frame.type === 'message' ? [frame.id] : [])
}

t.test(
  'newcomers seated on one replica while another sends get every message once, in order, across the history',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis.url)
    const b = await replica(t, redis.url)
    let sent = 0
    const sending = (async () => { while (sent < 300) { await a.hub.say('ann', `#${++sent}`) } })()
    const newcomers: Array<ReturnType<typeof listener>> = []
    // `sent` grows as `sending` runs, between this loop's awaits.
    for (;;) {
      if (sent >= 250) break
      const newcomer = listener()
      newcomers.push(newcomer)
      await b.hub.join('bob', newcomer.listener)
    }
    await sending
    t.ok(newcomers.length > 5, `${newcomers.length} newcomers`)
    for (const { frames } of newcomers) await until(() => messageIds(frames).at(-1) === 300, 20_000)
    for (const [index, { frames }] of newcomers.entries()) {
      t.same(messageIds(frames), Array.from({ length: 300 }, (_, i) => i + 1),
        `newcomer ${index + 1}: none twice, none missing`)
      t.match(frames[0], { type: 'history', online: index + 1 }, 'the history first, with the sockets online')
    }
    await until(() => b.changes.length === newcomers.length, 20_000)
    t.same(b.changes, newcomers.map((_, index) => ({ type: 'join', name: 'bob', online: index + 1 })),
      'every join read back, in order, with its count')
  }
)

t.test(
  'a newcomer seated before the reader of its replica has reached Redis gets all after its join, and its join is read',
  async (t) => {
    const redis = await redisServer(t)
    const a = await replica(t, redis.url)
    await a.hub.say('ann', 'before')
    const way = await heldWay(t, redis.port)
    const b = await replica(t, redis.url, { readerUrl: way.url })
    const bob = listener()
    await b.hub.join('bob', bob.listener)
    for (const text of ['one', 'two']) await a.hub.say('ann', text)
    t.equal(bob.frames.length, 1, 'the history at once; the rest waits for the reader')
    t.same(b.changes, [])
    way.release()
    await until(() => bob.frames.length === 3 && b.changes.length === 1, 20_000)
    t.match(bob.frames, [
      { type: 'history', messages: [{ type: 'message', id: 1, from: 'ann', text: 'before' }], online: 1 },
      { type: 'message', id: 2, text: 'one' },
      { type: 'message', id: 3, text: 'two' }
    ])
    t.same(b.changes, [{ type: 'join', name: 'bob', online: 1 }])
  }
)

t.test('a leave right after its join is announced after it; a closed replica counts its sockets no more', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis.url)
  const b = await replica(t, redis.url)
  const bob = listener()
  await b.hub.join('bob', bob.listener)
  const ann = listener()
  const joining = a.hub.join('ann', ann.listener)
  await a.hub.leave(ann.listener)
  await joining
  const carol = listener()
  await a.hub.join('carol', carol.listener)
  await until(() => b.changes.length === 4)
  t.same(b.changes, [
    { type: 'join', name: 'bob', online: 1 },
    { type: 'join', name: 'ann', online: 2 },
    { type: 'leave', name: 'ann', online: 1 },
    { type: 'join', name: 'carol', online: 2 }
  ])
  await a.hub.say('bob', 'hello')
  await until(() => carol.frames.length === 2)
  t.same(messageIds(ann.frames), [], 'once left, ann gets nothing more')
  await a.hub.close()
  const dave = listener()
  await b.hub.join('dave', dave.listener)
  t.match(dave.frames[0], { type: 'history', online: 2 }, 'bob and dave: carol went with her replica')
})

t.test(
  'a replica that stops without a close is no longer counted online once its count expires; one alive stays',
  async (t) => {
    const redis = await redisServer(t)
    const dying = await replica(t, redis.url, { countTtlMs: 500 })
    // Its count refreshed every 400 ms: it stays counted long past its lifetime.
    const living = await replica(t, redis.url, { countTtlMs: 1200 })
    const ann = listener()
    await dying.hub.join('ann', ann.listener)
    const bob = listener()
    await living.hub.join('bob', bob.listener)
    t.match(bob.frames[0], { type: 'history', online: 2 }, 'both counted')
    // Its connections gone, as when its process is killed: nothing refreshes its count.
    dying.client.disconnect()
    dying.reader.disconnect()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const other = await replica(t, redis.url)
    const carol = listener()
    await other.hub.join('carol', carol.listener)
    t.match(carol.frames[0], { type: 'history', online: 2 }, 'bob and carol, not ann')
  }
)

t.test(
  'Redis restarted empty: the reader says so once and reads again, and ids go on above the last the sender saw',
  async (t) => {
    const redis = await redisServer(t)
    // No refresh within the test: the sender alone keeps its ids going on.
    const a = await replica(t, redis.url, { countTtlMs: 3_600_000 })
    const ann = listener()
    await a.hub.join('ann', ann.listener)
    const leaving = listener()
    await a.hub.join('ann', leaving.listener)
    for (const text of ['one', 'two', 'three']) await a.hub.say('ann', text)
    await until(() => messageIds(ann.frames).length === 3)

    await redis.stop()
    await until(() => a.lines.some(({ msg }) => msg === 'chat: Redis unreachable; trying again'), 20_000)
    await t.rejects(a.hub.say('ann', 'lost'), { message: 'Redis is unreachable' })
    await a.hub.leave(leaving.listener)
    await redis.start()
    await until(() => a.lines.some(({ msg }) => msg === 'chat: Redis answers again'), 20_000)
    t.same(a.lines.map(({ level }) => level), ['warn', 'info'], 'one warning for the outage, one line when it ends')

    await until(() => a.client.status === 'ready', 20_000)
    await a.hub.say('ann', 'four')
    await until(() => messageIds(ann.frames).length === 4, 20_000)
    t.match(ann.frames.at(-1), { type: 'message', id: 4, from: 'ann', text: 'four' }, 'id 4, not 1')
    const bob = listener()
    await a.hub.join('bob', bob.listener)
    t.same(bob.frames[0].messages.map(({ text }: { text: string }) => text), ['four'], 'the history since')
  }
)

t.test('Redis restarted empty: a refresh puts back the count of its replica and the highest id it saw', async (t) => {
  const redis = await redisServer(t)
  const refreshing = await replica(t, redis.url, { countTtlMs: 300 })
  const rita = listener()
  await refreshing.hub.join('rita', rita.listener)
  for (const text of ['one', 'two', 'three']) await refreshing.hub.say('rita', text)
  await until(() => messageIds(rita.frames).length === 3)
  await redis.stop()
  await redis.start()
  await until(() => refreshing.client.status === 'ready', 20_000)
  // Every 100 ms.
  while (await refreshing.client.scard('test:chat:replicas') === 0) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  // A replica that saw no message before, and refreshes nothing within the test.
  const newcomer = await replica(t, redis.url, { countTtlMs: 3_600_000 })
  const carl = listener()
  await newcomer.hub.join('carl', carl.listener)
  await newcomer.hub.say('carl', 'four')
  await until(() => carl.frames.length === 2)
  t.match(carl.frames, [{ type: 'history', online: 2 }, { type: 'message', id: 4, text: 'four' }], 'rita counted, id 4')
})

t.test('Redis answering with an error: the message is not sent, and the error is logged', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis.url)
  await a.client.set('test:chat:last-id', 'not a number')
  await t.rejects(a.hub.say('ann', 'hello'), { message: 'Redis failed' })
  t.match(a.lines, [{ level: 'error', msg: 'chat: Redis refused a command' }])
})

t.test('Redis down: a join is refused, and its leave, come before the refusal, announces nothing', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis.url)
  await redis.stop()
  await until(() => a.client.status !== 'ready')
  const ann = listener()
  const joining = a.hub.join('ann', ann.listener)
  await a.hub.leave(ann.listener)
  await t.rejects(joining, { message: 'Redis is unreachable' })
  const bob = listener()
  await t.rejects(a.hub.join('bob', bob.listener), { message: 'Redis is unreachable' })
  await a.hub.leave(bob.listener)
  t.same([...ann.frames, ...bob.frames], [], 'nothing sent')

  // Back, the refused joins count for nothing: the next is alone online.
  await redis.start()
  await until(() => a.client.status === 'ready', 20_000)
  const cid = listener()
  await a.hub.join('cid', cid.listener)
  t.match(cid.frames, [{ type: 'history', online: 1 }], 'only cid online')
})

t.test('the close stops the reader at once, blocked in Redis or waiting for it', async (t) => {
  const redis = await redisServer(t)
  const up = await replica(t, redis.url)
  const down = await replica(t, redis.url)
  await until(() => up.reader.status === 'ready' && down.reader.status === 'ready')
  // Well under a read's 30 s block.
  let started = performance.now()
  await up.hub.close()
  t.ok(performance.now() - started < 15_000, `Redis up: ${Math.round(performance.now() - started)} ms`)
  await redis.stop()
  await until(() => down.lines.some(({ level }) => level === 'warn'), 20_000)
  started = performance.now()
  await down.hub.close()
  t.ok(performance.now() - started < 15_000, `Redis down: ${Math.round(performance.now() - started)} ms`)
})

t.test('the history keeps the newest CHAT_HISTORY messages, in order, across replicas', async (t) => {
  const redis = await redisServer(t)
  const a = await replica(t, redis.url, { historySize: 3 })
  for (const text of ['one', 'two', 'three', 'four', 'five']) await a.hub.say('ann', text)
  const b = await replica(t, redis.url, { historySize: 3 })
  const bob = listener()
  await b.hub.join('bob', bob.listener)
  const [history] = bob.frames as Array<{ type: string, messages: Array<{ text: string }> }>
  t.same(history?.messages.map(({ text }) => text), ['three', 'four', 'five'], 'the newest three, oldest first')
})
