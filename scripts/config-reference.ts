// Writes docs/reference/configuration.md from the config schema: each fragment's variables with their defaults, what
// they accept and their descriptions (npm run docs:config). test/docs/configuration.test.ts fails when it is stale.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONFIG_SECTIONS, expectation, type PropertySchema } from '../src/config/index.ts'

export const REFERENCE = join(import.meta.dirname, '..', 'docs', 'reference', 'configuration.md')

const cell = (text: string): string => text.replaceAll('|', '\\|')

/** The reference as Markdown. */
export function renderReference (): string {
  const lines = [
    '# Configuration',
    '',
    'Every variable the service reads. Generated from the config schema (`src/config/` and each feature\'s',
    '`config.ts`) by `npm run docs:config`; a test fails when this page is out of date.',
    '',
    'Set them in the environment or in a `.env` file in the working directory; the environment wins, and an empty',
    'value counts as unset. They are validated once, at start: an invalid value stops the start with exit code 1 and',
    'a line naming it. Durations are in milliseconds, and 0 means none: no wait for a delay, no limit for a timeout.',
    '[.env.example](../../.env.example) lists them all with their defaults.'
  ]
  for (const { title, variables } of CONFIG_SECTIONS) {
    lines.push('', `## ${title}`, '', '| variable | default | accepts | meaning |', '|---|---|---|---|')
    for (const [name, schema] of Object.entries(variables) as Array<[string, PropertySchema]>) {
      const fallback = schema.default === undefined ? 'unset' : `\`${String(schema.default)}\``
      lines.push(`| \`${name}\` | ${fallback} | ${cell(expectation(schema))} | ${cell(String(schema.description))} |`)
    }
  }
  return lines.join('\n') + '\n'
}

if (process.argv[1] === import.meta.filename) await writeFile(REFERENCE, renderReference())
