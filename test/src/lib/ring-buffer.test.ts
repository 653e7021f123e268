// The ring buffer keeps the latest items in order, and nothing with a capacity of 0.
import t from 'tap'
import { RingBuffer } from '../../../src/lib/ring-buffer.ts'

t.test('keeps every item, oldest first, until it is full', async (t) => {
  const buffer = new RingBuffer<number>(3)
  t.same(buffer.toArray(), [])
  buffer.push(1)
  buffer.push(2)
  t.same(buffer.toArray(), [1, 2])
})

t.test('once full, each new item drops the oldest', async (t) => {
  const buffer = new RingBuffer<string>(3)
  for (const item of ['a', 'b', 'c', 'd']) buffer.push(item)
  t.same(buffer.toArray(), ['b', 'c', 'd'])
  for (const item of ['e', 'f', 'g']) buffer.push(item)
  t.same(buffer.toArray(), ['e', 'f', 'g'], 'after wrapping round exactly')
  buffer.push('h')
  t.same(buffer.toArray(), ['f', 'g', 'h'])
})

t.test('a capacity of 1 keeps the last item, and 0 keeps none', async (t) => {
  const one = new RingBuffer<number>(1)
  one.push(1)
  one.push(2)
  t.same(one.toArray(), [2])
  const none = new RingBuffer<number>(0)
  none.push(1)
  t.same(none.toArray(), [])
})
