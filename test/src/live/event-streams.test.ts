// The set of event streams: frames reach every open stream, a client that stops reading is cut off past the limit
// while others go on, closed streams leave the set, and all end with a last frame.
import { once } from 'node:events'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { finished, Writable } from 'node:stream'
import t from 'tap'
import { EventStream } from '../../../src/live/event-stream.ts'
import { EventStreams } from '../../../src/live/event-streams.ts'

/**
 * An event stream sent as Fastify sends a stream body (piped to its answer, destroyed when the answer closes first)
 * to a client that reads everything at once, or (`reading` false) nothing at all. What the client got, and the errors.
 */
function client (
  reading = true,
  address = '127.0.0.1'
): { stream: EventStream, response: Writable, received: string[], errors: Error[] } {
  const received: string[] = []
  const errors: Error[] = []
  const response = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      if (!reading) return
      received.push(chunk.toString())
      callback()
    }
  })
  const stream = new EventStream(response, address)
  for (const each of [response, stream]) each.on('error', (error) => { errors.push(error) })
  stream.pipe(response)
  finished(response, () => { if (!stream.readableEnded) stream.destroy() })
  return { stream, response, received, errors }
}

function streams (maxBufferedBytes = 100) {
  const dropped: number[] = []
  const closed: string[] = []
  let emptied = 0
  const set = new EventStreams({
    maxBufferedBytes,
    onClose: (stream) => { closed.push(stream.client) },
    onDropped: (bytes) => { dropped.push(bytes) },
    onEmpty: () => { emptied++ }
  })
  return { set, dropped, closed, emptied: () => emptied }
}

t.test('a stream gets its first frame, then every broadcast', async (t) => {
  const { set } = streams()
  const [a, b] = [client(), client()]
  set.add(a.stream, 'first a\n')
  set.add(b.stream, 'first b\n')
  t.equal(set.size, 2)
  set.broadcast(Buffer.from('update\n'))
  await nextTurn()
  t.same(a.received, ['first a\n', 'update\n'])
  t.same(b.received, ['first b\n', 'update\n'])
})

t.test('a client that reads nothing is disconnected once it holds more than the limit; the others go on', async (t) => {
  const { set, dropped } = streams(100)
  const [slow, fast] = [client(false), client()]
  set.add(slow.stream, 'x'.repeat(40))
  set.add(fast.stream, 'x'.repeat(40))
  await nextTurn()
  set.broadcast(Buffer.from('y'.repeat(60)))
  t.notOk(slow.response.destroyed, 'at 100 bytes unsent, the limit, it stays')
  t.same(dropped, [])
  set.broadcast(Buffer.from('z'))
  t.ok(slow.response.destroyed, 'at 101, its connection is closed')
  t.same(dropped, [101])
  set.broadcast(Buffer.from('more'))
  t.same(dropped, [101], 'and nothing more is sent to it, nor counted')
  await once(slow.stream, 'close')
  t.equal(set.size, 1, 'it leaves the set once its answer has closed')
  set.broadcast(Buffer.from('after'))
  t.same(fast.received.at(-1), 'after')
  t.notOk(fast.response.destroyed)
})

t.test('unsent bytes still in the stream count as well as those its answer holds', async (t) => {
  const { set, dropped } = streams(100)
  const slow = client(false)
  slow.stream.pause()
  set.add(slow.stream, 'x'.repeat(100))
  t.same(dropped, [])
  set.broadcast(Buffer.from('y'))
  t.same(dropped, [101])
})

t.test('a first frame over the limit disconnects the client at once', async (t) => {
  const { set, dropped, emptied } = streams(10)
  const slow = client(false)
  set.add(slow.stream, 'x'.repeat(11))
  t.same(dropped, [11])
  t.ok(slow.response.destroyed)
  await once(slow.stream, 'close')
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
})

t.test('a stream whose client is gone already leaves the set as its answer closes', async (t) => {
  const { set, emptied } = streams()
  const gone = client()
  gone.response.destroy()
  set.add(gone.stream, 'first')
  await once(gone.stream, 'close')
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
})

t.test('a closed stream leaves the set, told once; the last one out says the set is empty', async (t) => {
  const { set, closed, emptied } = streams()
  const [a, b] = [client(true, '10.0.0.1'), client(true, '10.0.0.2')]
  set.add(a.stream, '')
  set.add(b.stream, '')
  a.response.destroy()
  await once(a.stream, 'close')
  t.equal(set.size, 1)
  t.equal(emptied(), 0)
  b.response.destroy()
  await once(b.stream, 'close')
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
  t.same(closed, ['10.0.0.1', '10.0.0.2'], 'each stream told as it closed, with its client')
})

t.test('endAll ends every stream with a last frame, and their answers with them', async (t) => {
  const { set, emptied } = streams()
  const [a, b] = [client(), client()]
  set.add(a.stream, 'first\n')
  set.add(b.stream, 'first\n')
  set.endAll('bye\n')
  await Promise.all([a, b].flatMap(({ stream, response }) => [once(response, 'finish'), once(stream, 'close')]))
  t.same(a.received, ['first\n', 'bye\n'])
  t.same(b.received, ['first\n', 'bye\n'])
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
})

/** Resolves once every turn of broadcasts under way is done. */
async function turnsDone (): Promise<void> {
  for (let turn = 0; turn < 1000; turn++) await nextTurn()
}

t.test(
  'a broadcast to many streams writes 8 of them a turn, so that the event loop serves others between',
  async (t) => {
    const { set } = streams()
    const clients = Array.from({ length: 20 }, () => client())
    for (const { stream } of clients) set.add(stream, '')
    await nextTurn()
    set.broadcast(Buffer.from('u'))
    const got = (): number => clients.filter(({ received }) => received.includes('u')).length
    t.equal(got(), 8, 'the first 8 at once')
    await nextTurn()
    t.equal(got(), 16, '8 more on the next turn')
    await nextTurn()
    t.equal(got(), 20, 'the rest on the one after')
  }
)

t.test('broadcasts asked for at once still write 8 streams a turn in all', async (t) => {
  const { set } = streams()
  const clients = Array.from({ length: 10 }, () => client())
  for (const { stream } of clients) set.add(stream, '')
  await nextTurn()
  set.broadcast(Buffer.from('a'))
  set.broadcast(Buffer.from('b'))
  const writes = (): number =>
    clients.reduce((sum, { received }) => sum + received.filter((frame) => frame !== '').length, 0)
  t.equal(writes(), 8)
  await nextTurn()
  t.equal(writes(), 16)
  await nextTurn()
  t.equal(writes(), 20)
})

t.test('a stream added while a broadcast is under way does not get it; one ended meanwhile is skipped', async (t) => {
  const { set } = streams()
  const clients = Array.from({ length: 300 }, () => client())
  for (const { stream } of clients) set.add(stream, '')
  set.broadcast(Buffer.from('u'))
  const late = client()
  set.add(late.stream, 'first')
  const last = clients[299] as ReturnType<typeof client>
  last.stream.endWith('')
  await turnsDone()
  t.same(late.received, ['first'], 'the newcomer got its first frame only')
  t.notOk(last.received.includes('u'), 'nothing written after its end')
  t.same(last.errors, [], 'and no push-after-end error')
  t.ok(clients.slice(0, 299).every(({ received }) => received.join('') === 'u'))
})

t.test('broadcasts under way reach every stream in order, even when streams close between them', async (t) => {
  const { set } = streams(10_000)
  const clients = Array.from({ length: 700 }, () => client())
  for (const { stream } of clients) set.add(stream, '')
  set.broadcast(Buffer.from('1'))
  for (const { response } of clients.slice(0, 50)) response.destroy()
  await nextTurn()
  set.broadcast(Buffer.from('2'))
  set.broadcast(Buffer.from('3'))
  await turnsDone()
  const open = clients.slice(50)
  t.ok(open.every(({ received }) => received.join('') === '123'), 'each open stream got 1, 2, 3 in order')
})
