// The idempotency store of one process keeps the contract.
import t from 'tap'
import { MemoryIdempotencyStore } from '../../../src/idempotency/memory.ts'
import { storeContract } from '../../helpers/idempotency-store.ts'

storeContract(t, async () => new MemoryIdempotencyStore())

t.test('an expired key behind a live one is not read', async (t) => {
  const store = new MemoryIdempotencyStore()
  await store.begin('long', 'body', 60_000)
  await store.begin('short', 'body', 50)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(await store.begin('short', 'body', 60_000), { kind: 'first' }, 'past its time, though not yet swept')
})
