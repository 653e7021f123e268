// The token bucket, on times the test gives: a burst up to its capacity, then a refill at capacity per period, never
// past the capacity; an event over the limit takes nothing.
import t from 'tap'
import { TokenBucket } from '../../../src/lib/token-bucket.ts'

t.test('a full bucket takes a burst of its capacity, and refuses the next', async (t) => {
  const bucket = new TokenBucket(3, 10_000, 0)
  t.same([1, 2, 3, 4].map(() => bucket.take(0)), [true, true, true, false])
})

t.test('it refills at its capacity per period: one token every period / capacity', async (t) => {
  const bucket = new TokenBucket(4, 10_000, 0)
  for (let taken = 0; taken < 4; taken++) bucket.take(0)
  t.equal(bucket.take(2499), false, 'not yet a whole token')
  t.equal(bucket.take(2500), true, 'a token after 2.5 s')
  t.equal(bucket.take(2500), false, 'and only one')
  t.same([1, 2, 3, 4, 5].map(() => bucket.take(12_500)), [true, true, true, true, false], 'a whole period refills it')
})

t.test('an event refused takes nothing; a bucket left alone fills up to its capacity and no further', async (t) => {
  const bucket = new TokenBucket(2, 1000, 0)
  bucket.take(0)
  bucket.take(0)
  for (let time = 0; time < 400; time += 100) t.equal(bucket.take(time), false, `refused at ${time} ms`)
  t.equal(bucket.take(500), true, 'the refusals took nothing: a token after half the period')
  t.same([1, 2, 3].map(() => bucket.take(60_000)), [true, true, false],
    'a minute later, two tokens: no more than its capacity')
})
