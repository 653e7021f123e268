// .env.example documents exactly the variables the config schema reads, each with the schema's default.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import t from 'tap'
import { Value } from 'typebox/value'
import { ConfigSchema } from '../../src/config/index.ts'

t.test('.env.example lists every variable with its default, and nothing else', async (t) => {
  const example = parseEnv(await readFile(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8'))
  const defaults = Object.fromEntries(
    Object.entries(Value.Default(ConfigSchema, {}) as object).map(([name, value]) => [name, String(value)])
  )
  t.same(example, defaults)
})
