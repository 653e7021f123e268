// What one client can do to a running service, /sync asked throughout from a process of its own (the benchmark's
// probe): a storm of chat joins with no cap and with the caps as shipped, a burst of messages past the room's rate, a
// flood of frames, many event streams, connections that send their headers slowly. Each must leave the others served.
// The timings /sync saw are reported, not asserted: on a busy machine they say little; the benchmark measures them.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startClient, type Client } from '../../bench/lib/scenario.ts'
import { listening, startServer } from '../helpers/server-process.ts'
import { readUntilClosed } from '../helpers/sockets.ts'
import { ChatClient } from '../helpers/ws-client.ts'

const CLIENTS = join(import.meta.dirname, '..', '..', 'bench', 'clients')

// Each test starts the service and clients of their own, with a thousand sockets at most: room on a busy machine.
t.setTimeout(5 * 60_000)

/** The service on a port of its own, with `env` over the tests' settings; its port. */
async function service (t: Test, env: Record<string, string>): Promise<number> {
  const server = startServer(t, { HOST: '127.0.0.1', ...env })
  return Number(new URL(await listening(server)).port)
}

/** A client of the benchmark's (bench/clients/) against `port`, stopped when the test ends. */
function client (t: Test, script: string, port: number, args: Array<string | number>): Client {
  const started = startClient(join(CLIENTS, script), [port, ...args])
  t.teardown(started.stop)
  return started
}

/** `work` done while /sync is asked every 50 ms from a process of its own; checks that every answer was a 200. */
async function whileProbed<Found> (t: Test, port: number, work: () => Promise<Found>): Promise<Found> {
  const probe = client(t, 'sync-probe.ts', port, [])
  await probe.next()
  const found = await work()
  probe.cue()
  const { ms, failures } = await probe.next<{ ms: number[], failures: unknown[] }>()
  t.same(failures, [], `/sync answered 200 each of ${ms.length} times meanwhile`)
  t.comment(`/sync meanwhile: the slowest of ${ms.length} took ${Math.max(...ms)} ms`)
  return found
}

interface Storm {
  opened: number
  refused: Record<string, number>
  failed: number
  closedByServer: number
  joinedMs: number | null
  watch: { watchers: number, sent: number, lost: number, reordered: number }
}

t.test('a storm of joins from one client with no cap: all get in, and those in the room lose no message', async (t) => {
  const port = await service(t, { CHAT_MAX_SOCKETS_PER_CLIENT: '0' })
  const storm = await whileProbed(t, port, async () =>
    await client(t, 'join-storm.ts', port, [1000, 3]).next<Storm>())
  t.match(storm, { opened: 1000, refused: {}, failed: 0, closedByServer: 0, joinedMs: Number })
  t.match(storm.watch, { watchers: 3, lost: 0, reordered: 0 }, 'every message among those already in, in order')
  t.ok(storm.watch.sent > 0, `messages were sent during the storm (${storm.watch.sent})`)
})

t.test('with the caps as shipped, one client gets 20 sockets and a 429 for each one more', async (t) => {
  const port = await service(t, {})
  const storm = await whileProbed(t, port, async () =>
    await client(t, 'join-storm.ts', port, [299, 1]).next<Storm>())
  t.match(storm, { opened: 19, refused: { 429: 280 }, failed: 0, closedByServer: 0 })
  t.same(Object.keys(storm.refused), ['429'], 'refused with 429 alone')
})

t.test('a burst past the room\'s rate: each message reaches every socket in order, or is refused', async (t) => {
  const port = await service(t, { CHAT_MAX_SOCKETS_PER_CLIENT: '0', CHAT_ROOM_RATE_PER_S: '50' })
  const burst = client(t, 'message-burst.ts', port, [50, 20])
  t.match(await burst.next(), { opened: 50, failed: 0, inRoom: true })
  const settled = await whileProbed(t, port, async () => {
    burst.cue()
    return await burst.next<{ delivered: number, refused: number }>()
  })
  t.match(settled, { sockets: 50, sent: 1000, partial: 0, lost: 0, reordered: 0, closedByServer: 0 })
  t.equal(settled.delivered + settled.refused, 1000, 'every message delivered or refused')
  t.ok(settled.delivered >= 50 && settled.delivered < 1000,
    `the room took its rate's worth and refused the rest (${settled.delivered} delivered)`)
})

t.test('a flood of frames: the sockets\' limit holds, the flooders are closed, the room still serves', async (t) => {
  // No room rate: each socket's own limit alone decides what of its frames the room takes.
  const port = await service(t, { CHAT_MAX_SOCKETS_PER_CLIENT: '0', CHAT_ROOM_RATE_PER_S: '0' })
  const url = `ws://127.0.0.1:${port}/chat`
  const watcher = await ChatClient.connect(`${url}?name=watcher`)
  t.match(await watcher.next(), { type: 'history' })
  const flooders = await Promise.all(Array.from({ length: 20 }, async (_, index) =>
    await ChatClient.connect(`${url}?name=flooder${index}`)))
  const received: Record<string, number[]> = {}
  const counting = (async () => {
    for (;;) {
      const frame = await watcher.next()
      if (frame.type !== 'message') continue
      if (frame.text === 'still here') return
      const [, sender, number] = /^(\S+) (\d+)$/.exec(frame.text) as string[]
      ;(received[sender as string] ??= []).push(Number(number))
    }
  })()
  const closes = await whileProbed(t, port, async () => {
    for (const [index, flooder] of flooders.entries()) {
      for (let number = 0; number < 2000; number++) flooder.send({ type: 'message', text: `flooder${index} ${number}` })
    }
    return await Promise.all(flooders.map(async (flooder) => await flooder.closed))
  })
  t.same(new Set(closes.map(({ code, reason }) => `${code} ${reason}`)),
    new Set(['1008 more than 10 bad frames in 10 s']), 'every flooder closed for abuse')
  watcher.send({ type: 'message', text: 'still here' })
  await counting
  const first20 = Array.from({ length: 20 }, (_, number) => number)
  t.same(received, Object.fromEntries(flooders.map((_, index) => [`flooder${index}`, first20])),
    'the room took the first 20 frames of each flooder, CHAT_RATE_PER_10S\'s worth, in order')
  await watcher.close()
})

/** Opens `count` GET /events streams on `port` over raw sockets: the status each got, and the sockets. */
async function openStreams (port: number, count: number): Promise<{ statuses: number[], sockets: Socket[] }> {
  const sockets = Array.from({ length: count }, () => connect(port, '127.0.0.1'))
  const statuses = await Promise.all(sockets.map(async (socket) => {
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`)
    const [head] = await once(socket, 'data') as [Buffer]
    return Number(/^HTTP\/1\.1 (\d{3}) /.exec(head.toString('latin1'))?.[1])
  }))
  return { statuses, sockets }
}

t.test('many event streams from one client: 20 open, a 429 for each one more; with no cap, all open', async (t) => {
  for (const [cap, open] of [['', 20], ['0', 300]] as const) {
    const port = await service(t, { LIVE_MAX_STREAMS_PER_CLIENT: cap })
    const { statuses, sockets } = await whileProbed(t, port, async () => await openStreams(port, 300))
    t.equal(statuses.filter((status) => status === 200).length, open, `LIVE_MAX_STREAMS_PER_CLIENT=${cap}: open`)
    t.equal(statuses.filter((status) => status === 429).length, 300 - open, 'refused with 429 alone')
    for (const socket of sockets) socket.destroy()
  }
})

t.test('connections that send their headers slowly are closed with 408 once their time is up', async (t) => {
  const port = await service(t, { REQUEST_TIMEOUT_MS: '2000' })
  const sockets = Array.from({ length: 500 }, () => connect(port, '127.0.0.1'))
  // A header line a byte at a time, every 200 ms, for ever: only the service's limit ends it.
  const dripping = setInterval(() => { for (const socket of sockets) if (socket.writable) socket.write('a') }, 200)
  t.teardown(() => { clearInterval(dripping) })
  for (const socket of sockets) socket.write('GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
  const closed = sockets.map(readUntilClosed)
  const answers = await whileProbed(t, port, async () => await Promise.all(closed))
  clearInterval(dripping)
  // A drip that reaches the service after its answer makes it reset the connection, which may discard the answer
  // before this side reads it: either way, the service ended the connection.
  const heads = answers.map((answer) => answer.split('\r\n')[0])
  const answered = heads.filter((head) => head === 'HTTP/1.1 408 Request Timeout').length
  t.equal(answered + heads.filter((head) => head === '').length, 500,
    'every one answered 408, or reset, by the service')
  t.comment(`${answered} read their 408 before the connection ended`)
})
