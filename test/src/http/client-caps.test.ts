// Caps on what clients hold: a client over its own cap is refused while others go on, the service over its total
// refuses everyone, what is given back can be taken again, and 0 caps nothing.
import t from 'tap'
import { ClientCaps } from '../../../src/http/client-caps.ts'

/** Caps of `perClient` and `total`, their refusals counted nowhere. */
const capped = (perClient: number, total: number): ClientCaps =>
  new ClientCaps({ perClient, total, what: 'things', refused: { per_client: { inc () {} }, total: { inc () {} } } })

t.test('a client at its cap is refused as per_client; another client goes on', async (t) => {
  const caps = capped(2, 10)
  t.equal(caps.take('10.0.0.1'), undefined)
  t.equal(caps.take('10.0.0.1'), undefined)
  t.equal(caps.take('10.0.0.1'), 'per_client')
  t.equal(caps.take('10.0.0.2'), undefined)
  t.equal(caps.size, 3, 'a refusal takes nothing')
})

t.test('at the total, everyone is refused as total, until one is given back', async (t) => {
  const caps = capped(5, 3)
  for (const client of ['a', 'b', 'c']) t.equal(caps.take(client), undefined)
  t.equal(caps.take('d'), 'total')
  t.equal(caps.take('a'), 'total')
  caps.release('b')
  t.equal(caps.size, 2)
  t.equal(caps.take('d'), undefined)
})

t.test('what a client gives back it can take again; giving back what was not taken changes nothing', async (t) => {
  const caps = capped(1, 0)
  t.equal(caps.take('a'), undefined)
  t.equal(caps.take('a'), 'per_client')
  caps.release('a')
  t.equal(caps.take('a'), undefined)
  caps.release('nobody')
  caps.release('a')
  caps.release('a')
  t.equal(caps.size, 0)
  t.equal(caps.take('a'), undefined)
})

t.test('0 caps nothing', async (t) => {
  const caps = capped(0, 0)
  const refused = Array.from({ length: 1000 }, () => caps.take('one client')).filter((refusal) => refusal !== undefined)
  t.same(refused, [])
  t.equal(caps.size, 1000)
})
