// The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): a Structured Fields string, "like this", of
// printable ASCII with \" and \\ escaped; a bare value without quotes, as Stripe's clients send it, is taken as it is.
// At most MAX_KEY_LENGTH characters either way.

export const MAX_KEY_LENGTH = 255

/** What the header says, or why it is refused: the key, or the problem to tell the client. */
export type ReadKey = { key: string } | { problem: string }

const PRINTABLE = /^[\x20-\x7e]*$/
const BARE = /^[\x21-\x7e]+$/

/** Reads the header's `value`. */
export function readKey (value: string): ReadKey {
  const key = value.startsWith('"') ? unquoted(value) : BARE.test(value) ? value : undefined
  if (key === undefined || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    return {
      problem: `Idempotency-Key must be a quoted string of 1 to ${MAX_KEY_LENGTH} printable ASCII characters, ` +
        'such as "8e03978e-40d5-43e8-bc93-6894a57f9324"'
    }
  }
  return { key }
}

/** The content of a Structured Fields string, or undefined if `value` is not one. */
function unquoted (value: string): string | undefined {
  if (value.length < 2 || !value.endsWith('"') || !PRINTABLE.test(value)) return undefined
  let key = ''
  for (let index = 1; index < value.length - 1; index++) {
    const char = value[index] as string
    if (char === '"') return undefined
    if (char === '\\') {
      const next = value[++index]
      if (next !== '"' && next !== '\\') return undefined
      key += next
    } else {
      key += char
    }
  }
  return key
}
