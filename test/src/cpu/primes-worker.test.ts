// The CPU pool's task module: its default export is the timed count, what a worker thread runs for a request.
import t from 'tap'
import task from '../../../src/cpu/primes-worker.ts'

t.test('the default export counts the primes below n and says how long it took', async (t) => {
  t.match(task(1000), { primes: 168, ms: Number })
  t.same(Object.keys(task(100)), ['primes', 'ms'])
})
