// The set of event streams: frames reach every open stream, a client that stops reading is cut off past the limit
// while others go on, closed streams leave the set, and all end with a last frame.
import { once } from 'node:events'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { Writable } from 'node:stream'
import t from 'tap'
import { EventStreams } from '../../../src/live/event-streams.ts'

/**
 * A stream whose client reads everything at once, or (`reading` false) nothing at all; with `closing` false, one that
 * never finishes closing once ended (a socket whose peer has not closed its side). What it got, and its errors.
 */
function client (reading = true, closing = true): { stream: Writable, received: string[], errors: Error[] } {
  const received: string[] = []
  const errors: Error[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      if (!reading) return
      received.push(chunk.toString())
      callback()
    },
    final (callback) { if (closing) callback() }
  })
  stream.on('error', (error) => { errors.push(error) })
  return { stream, received, errors }
}

function streams (maxBufferedBytes = 100) {
  const dropped: number[] = []
  let emptied = 0
  const set = new EventStreams({
    maxBufferedBytes,
    onDropped: (bytes) => { dropped.push(bytes) },
    onEmpty: () => { emptied++ }
  })
  return { set, dropped, emptied: () => emptied }
}

t.test('a stream gets its first frame, then every broadcast', async (t) => {
  const { set } = streams()
  const [a, b] = [client(), client()]
  t.ok(set.add(a.stream, 'first a\n'))
  t.ok(set.add(b.stream, 'first b\n'))
  t.equal(set.size, 2)
  set.broadcast(Buffer.from('update\n'))
  t.same(a.received, ['first a\n', 'update\n'])
  t.same(b.received, ['first b\n', 'update\n'])
})

t.test('a client that reads nothing is disconnected once it holds more than the limit; the others go on', async (t) => {
  const { set, dropped } = streams(100)
  const [slow, fast] = [client(false), client()]
  set.add(slow.stream, 'x'.repeat(40))
  set.add(fast.stream, 'x'.repeat(40))
  set.broadcast(Buffer.from('y'.repeat(60)))
  t.notOk(slow.stream.destroyed, 'at 100 bytes unsent, the limit, it stays')
  t.same(dropped, [])
  set.broadcast(Buffer.from('z'))
  t.ok(slow.stream.destroyed, 'at 101, it is cut off')
  t.same(dropped, [101])
  await once(slow.stream, 'close')
  t.equal(set.size, 1, 'and leaves the set')
  set.broadcast(Buffer.from('after'))
  t.same(fast.received.at(-1), 'after')
  t.notOk(fast.stream.destroyed)
})

t.test('a first frame over the limit is not kept at all', async (t) => {
  const { set, dropped } = streams(10)
  const slow = client(false)
  t.notOk(set.add(slow.stream, 'x'.repeat(11)))
  t.equal(set.size, 0)
  t.same(dropped, [11])
})

t.test('a stream already closed is not kept', async (t) => {
  const { set } = streams()
  const gone = client()
  gone.stream.destroy()
  t.notOk(set.add(gone.stream, 'first'))
  t.equal(set.size, 0)
})

t.test('a closed stream leaves the set; the last one out says the set is empty', async (t) => {
  const { set, emptied } = streams()
  const [a, b] = [client(), client()]
  set.add(a.stream, '')
  set.add(b.stream, '')
  a.stream.destroy()
  await once(a.stream, 'close')
  t.equal(set.size, 1)
  t.equal(emptied(), 0)
  b.stream.destroy()
  await once(b.stream, 'close')
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
})

t.test('endAll ends every stream with a last frame', async (t) => {
  const { set, emptied } = streams()
  const [a, b] = [client(), client()]
  set.add(a.stream, 'first\n')
  set.add(b.stream, 'first\n')
  set.endAll('bye\n')
  await Promise.all([once(a.stream, 'close'), once(b.stream, 'close')])
  t.same(a.received, ['first\n', 'bye\n'])
  t.same(b.received, ['first\n', 'bye\n'])
  t.equal(set.size, 0)
  t.equal(emptied(), 1)
})

/** Resolves once every turn of broadcasts under way is done. */
async function turnsDone (): Promise<void> {
  for (let turn = 0; turn < 100; turn++) await nextTurn()
}

t.test(
  'a broadcast to many streams writes 256 of them a turn, so that the event loop serves others between',
  async (t) => {
    const { set } = streams()
    const clients = Array.from({ length: 600 }, () => client())
    for (const { stream } of clients) set.add(stream, '')
    set.broadcast(Buffer.from('u'))
    const got = (): number => clients.filter(({ received }) => received.includes('u')).length
    t.equal(got(), 256, 'the first 256 at once')
    await nextTurn()
    t.equal(got(), 512, '256 more on the next turn')
    await nextTurn()
    t.equal(got(), 600, 'the rest on the one after')
  }
)

t.test('broadcasts asked for at once still write 256 streams a turn in all', async (t) => {
  const { set } = streams()
  const clients = Array.from({ length: 300 }, () => client())
  for (const { stream } of clients) set.add(stream, '')
  set.broadcast(Buffer.from('a'))
  set.broadcast(Buffer.from('b'))
  const writes = (): number =>
    clients.reduce((sum, { received }) => sum + received.filter((frame) => frame !== '').length, 0)
  t.equal(writes(), 256)
  await nextTurn()
  t.equal(writes(), 512)
  await nextTurn()
  t.equal(writes(), 600)
})

t.test('a stream added while a broadcast is under way does not get it; one ended meanwhile is skipped', async (t) => {
  const { set } = streams()
  const clients = Array.from({ length: 300 }, (_, index) => client(true, index !== 299))
  for (const { stream } of clients) set.add(stream, '')
  set.broadcast(Buffer.from('u'))
  const late = client()
  set.add(late.stream, 'first')
  const last = clients[299] as ReturnType<typeof client>
  last.stream.end()
  await turnsDone()
  t.same(late.received, ['first'], 'the newcomer got its first frame only')
  t.notOk(last.received.includes('u'), 'nothing written after its end')
  t.same(last.errors, [], 'and no write-after-end error')
  t.ok(clients.slice(0, 299).every(({ received }) => received.join('') === 'u'))
})

t.test('broadcasts under way reach every stream in order, even when streams close between them', async (t) => {
  const { set } = streams(10_000)
  const clients = Array.from({ length: 700 }, () => client())
  for (const { stream } of clients) set.add(stream, '')
  set.broadcast(Buffer.from('1'))
  for (const { stream } of clients.slice(0, 50)) stream.destroy()
  await nextTurn()
  set.broadcast(Buffer.from('2'))
  set.broadcast(Buffer.from('3'))
  await turnsDone()
  const open = clients.slice(50)
  t.ok(open.every(({ received }) => received.join('') === '123'), 'each open stream got 1, 2, 3 in order')
})
