// Every package whose install script npm runs is one the project allows by name in package.json's allowScripts (each
// with its reason in docs/reference/dependencies.md), so that `npm ci` warns of none and runs none unasked.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')

t.test('the packages with install scripts in the lockfile are those allowScripts allows', async (t) => {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { hasInstallScript?: boolean }>
  }
  const { allowScripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    allowScripts: Record<string, boolean>
  }
  const withScripts = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
  t.same([...new Set(withScripts)].sort(), Object.keys(allowScripts).filter((name) => allowScripts[name]).sort())
  const reasons = await readFile(join(ROOT, 'docs', 'reference', 'dependencies.md'), 'utf8')
  for (const name of withScripts) {
    t.ok(reasons.split('\n').some((line) => line.includes(name) && line.includes('`allowScripts`')),
      `${name}'s install script is explained in the dependencies' reference`)
  }
})
