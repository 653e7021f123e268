// The contract every idempotency store keeps, for the memory and the Redis store's tests alike.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import type { IdempotencyStore } from '../../src/idempotency/port.ts'

const ANSWER = { statusCode: 202, headers: { location: '/tasks/1' }, body: '{"id":"1"}' }

/** Checks `make()`'s store: first, in progress, other body, answered, released, and each entry's expiry. */
export function storeContract (t: Test, make: (t: Test) => Promise<IdempotencyStore>): void {
  t.test('the first begins it; a repeat finds it in progress, then answered; another body is told so', async (t) => {
    const store = await make(t)
    t.same(await store.begin('k', 'body', 60_000), { kind: 'first' })
    t.same(await store.begin('k', 'body', 60_000), { kind: 'in progress' })
    t.same(await store.begin('k', 'other', 60_000), { kind: 'other body' })
    await store.finish('k', 'body', ANSWER, 60_000)
    t.same(await store.begin('k', 'body', 60_000), { kind: 'answered', answer: ANSWER })
    t.same(await store.begin('k', 'other', 60_000), { kind: 'other body' })
    t.same(await store.begin('another key', 'body', 60_000), { kind: 'first' }, 'keys are apart')
  })

  t.test('a released key begins again', async (t) => {
    const store = await make(t)
    await store.begin('k', 'body', 60_000)
    await store.release('k')
    t.same(await store.begin('k', 'other', 60_000), { kind: 'first' })
  })

  t.test('a key begun and never finished is free once its pending time is over; an answer once its own', async (t) => {
    const store = await make(t)
    await store.begin('pending', 'body', 100)
    await store.begin('done', 'body', 60_000)
    await store.finish('done', 'body', ANSWER, 200)
    await sleep(250)
    t.same(await store.begin('pending', 'body', 60_000), { kind: 'first' })
    t.same(await store.begin('done', 'body', 60_000), { kind: 'first' })
  })

  t.test('of many at once with one key, one is first', async (t) => {
    const store = await make(t)
    const begun = await Promise.all(Array.from({ length: 20 }, async () => await store.begin('k', 'body', 60_000)))
    t.equal(begun.filter(({ kind }) => kind === 'first').length, 1)
  })
}
