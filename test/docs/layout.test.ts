// The README's layout is the repository's: every folder it names exists, and it names every top-level folder and
// every folder of src/ and plugins/.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')

/** The folders the README's layout tree names, as paths: "src/", "src/chat/", "plugins/app/"... */
function layoutFolders (): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const tree = /## Layout\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  let parent = ''
  return tree.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const name = line.trim().split(/\s+/)[0] as string
    if (!line.startsWith(' ')) parent = name
    return line.startsWith(' ') ? parent + name : name
  })
}

/** The folders that hold tracked files, as paths ending in "/". */
function trackedFolders (): Set<string> {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n')
  const folders = new Set<string>()
  for (const file of files) {
    const parts = file.split('/').slice(0, -1)
    parts.forEach((_, i) => folders.add(parts.slice(0, i + 1).join('/') + '/'))
  }
  return folders
}

t.test("the README's layout names real folders, every top-level one, and every one of src/ and plugins/", async (t) => {
  const listed = layoutFolders()
  const tracked = trackedFolders()
  t.ok(listed.length > 20, `the tree is there (${listed.length} folders)`)
  for (const folder of listed) t.ok(tracked.has(folder), `${folder} exists`)
  const childrenOf = (parent: string, of: Iterable<string>): string[] =>
    [...of].filter((folder) => folder.startsWith(parent) && folder.slice(parent.length).split('/').length === 2).sort()
  t.same(childrenOf('', listed), childrenOf('', [...tracked].filter((folder) => !folder.startsWith('.'))), 'top level')
  for (const parent of ['src/', 'plugins/']) t.same(childrenOf(parent, listed), childrenOf(parent, tracked), parent)
})
