// Every link in the README and the manual leads somewhere: a file or folder of the repository, and a heading there
// when it names one.
import { existsSync, readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string => heading.toLowerCase().replace(/[^\w\- ]/g, '').replaceAll(' ', '-')

function anchors (file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading as string)))
}

async function markdownFiles (): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'), { recursive: true })).filter((file) => file.endsWith('.md'))
  return [
    'README.md', 'CONTRIBUTING.md', 'plugins/README.md', 'routes/README.md', ...docs.map((file) => `docs/${file}`)
  ]
}

t.test('every relative link in README.md, CONTRIBUTING.md and docs/ resolves, its anchor included', async (t) => {
  let links = 0
  for (const file of await markdownFiles()) {
    const path = join(ROOT, file)
    const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target as string)) continue
      links++
      const [where, anchor] = (target as string).split('#')
      const resolved = where === '' ? path : join(dirname(path), where as string)
      t.ok(existsSync(resolved), `${file}: ${target} leads to ${relative(ROOT, resolved)}`)
      if (anchor !== undefined && resolved.endsWith('.md') && existsSync(resolved)) {
        t.ok(anchors(resolved).has(anchor), `${file}: ${target} names a heading of ${relative(ROOT, resolved)}`)
      }
    }
  }
  t.ok(links > 100, `checked ${links} links`)
})
