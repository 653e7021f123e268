// The configuration reference is the config schema's own words: regenerated, it comes out as it stands in docs/.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { REFERENCE, renderReference } from '../../scripts/config-reference.ts'
import { CONFIG_SECTIONS, ConfigSchema } from '../../src/config/index.ts'

t.test('docs/reference/configuration.md is what npm run docs:config writes from the schema', async (t) => {
  t.equal(await readFile(REFERENCE, 'utf8'), renderReference(), 'out of date: run npm run docs:config')
})

t.test('it lists every variable, with its default and what it accepts', async (t) => {
  const reference = renderReference()
  t.match(reference, '| `PORT` | `3000` | an integer from 0 to 65535 | TCP port to listen on |')
  t.match(reference, '| `REDIS_URL` | unset | a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 |')
  t.match(reference, '| `LOG_LEVEL` | `info` | one of fatal, error, warn, info, debug, trace, silent |')
  t.match(reference, '| `DATABASE_URL` | unset | a postgres:// or postgresql:// URL, such as ' +
    'postgres://app:secret@127.0.0.1:5432/app |')
  t.match(reference, '| `DEPENDENCY_POOL_SIZE` | unset | an integer from 0 to 65535 |')
  t.equal(reference.match(/^\| `[A-Z_0-9]+` \|/gm)?.length, 61, 'one row per variable')
})

t.test('the reference\'s sections hold every variable of the schema, each once', async (t) => {
  const listed = CONFIG_SECTIONS.flatMap(({ variables }) => Object.keys(variables))
  t.same([...listed].sort(), Object.keys(ConfigSchema.properties).sort())
  t.equal(new Set(listed).size, listed.length, 'none twice')
})
