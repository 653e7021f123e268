// Counting primes: the counts below known bounds, the edges, and a count timed in ms.
import t from 'tap'
import { countPrimes, timedCount } from '../../../src/cpu/primes.ts'

t.test('counts the primes below n', async (t) => {
  const expected: Array<[number, number]> = [[10, 4], [100, 25], [1000, 168], [1_000_000, 78_498]]
  for (const [n, primes] of expected) t.equal(countPrimes(n), primes, `below ${n}`)
})

t.test('at the edges: none below 2, 2 alone below 3, and below a prime the prime itself is not counted', async (t) => {
  t.equal(countPrimes(0), 0)
  t.equal(countPrimes(1), 0)
  t.equal(countPrimes(2), 0)
  t.equal(countPrimes(3), 1)
  t.equal(countPrimes(4), 2)
  t.equal(countPrimes(5), 2)
  t.equal(countPrimes(6), 3)
  t.equal(countPrimes(8), 4)
  t.equal(countPrimes(9), 4, '9 is odd and not prime')
  t.equal(countPrimes(26), 9, '25 is a square')
  t.equal(countPrimes(50), 15, '49 is a square')
})

t.test('a timed count gives the count and the ms it took, to a tenth', async (t) => {
  const started = performance.now()
  const { primes, ms } = timedCount(1_000_000)
  const elapsed = performance.now() - started
  t.equal(primes, 78_498)
  t.ok(ms > 0 && ms <= elapsed + 0.05, `${ms} ms, within the ${elapsed} ms the call took`)
  t.match(String(ms), /^\d+(\.\d)?$/, 'to a tenth')
})
