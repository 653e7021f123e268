// The set of event streams: frames reach every open stream, a client that stops reading is cut off past the limit
// while others go on, closed streams leave the set, and all end with a last frame.
import { once } from 'node:events'
import { Writable } from 'node:stream'
import t from 'tap'
import { EventStreams } from '../../src/event-streams.js'

/** A stream whose client reads everything at once, or (`reading` false) nothing at all. */
function client (reading = true): { stream: Writable, received: string[] } {
  const received: string[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      if (!reading) return
      received.push(chunk.toString())
      callback()
    },
    final (callback) { callback() }
  })
  return { stream, received }
}

function streams (maxBufferedBytes = 100) {
  const dropped: number[] = []
  let emptied = 0
  const set = new EventStreams({ maxBufferedBytes, onDropped: (bytes) => { dropped.push(bytes) }, onEmpty: () => { emptied++ } })
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
