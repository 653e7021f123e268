// The Idempotency-Key header's value: a quoted string with its escapes, or a bare one, 1 to 255 characters.
import t from 'tap'
import { readKey } from '../../../src/idempotency/key.ts'

const PROBLEM = 'Idempotency-Key must be a quoted string of 1 to 255 printable ASCII characters, ' +
  'such as "8e03978e-40d5-43e8-bc93-6894a57f9324"'

t.test('a quoted string, its escapes read; a bare value as it is', async (t) => {
  t.same(readKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'), { key: '8e03978e-40d5-43e8-bc93-6894a57f9324' })
  t.same(readKey('"with space and \\"quotes\\" and \\\\"'), { key: 'with space and "quotes" and \\' })
  t.same(readKey('order-42'), { key: 'order-42' })
  t.same(readKey(`"${'k'.repeat(255)}"`), { key: 'k'.repeat(255) }, '255 characters')
})

t.test('anything else is refused, saying what is wanted', async (t) => {
  for (const value of ['""', '"', '"open', 'two words', '"bad \\x escape"', '"inner " quote"', '"é"', '',
    `"${'k'.repeat(256)}"`, 'k'.repeat(256)]) {
    t.same(readKey(value), { problem: PROBLEM }, JSON.stringify(value))
  }
})
