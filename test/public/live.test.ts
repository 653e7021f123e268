// The page's files as written, for the Content-Security-Policy they load under: no inline script, style or handler,
// nothing from elsewhere, and a script that puts text into the page, never markup.
import { spawnSync } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join } from 'node:path'
import t from 'tap'
import { build } from '../helpers/app.ts'

const PUBLIC = join(import.meta.dirname, '..', '..', 'public')
const files = (await readdir(PUBLIC, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath, entry.name).slice(PUBLIC.length + 1)).sort()

t.test(
  'public/ holds the page, its script and its style, and nothing of a kind these checks do not read',
  async (t) => {
    t.same(files, ['live.css', 'live.html', 'live.js'])
  }
)

t.test('the HTML has no inline script, style or event handler, and refers only to its own files', async (t) => {
  for (const file of files.filter((file) => extname(file) === '.html')) {
    const html = await readFile(join(PUBLIC, file), 'utf8')
    t.notMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, `${file}: no inline script`)
    t.notMatch(html, /<style|\sstyle=/i, `${file}: no inline style`)
    t.notMatch(html, /\son[a-z]+=/i, `${file}: no event handler attribute`)
    const references = [...html.matchAll(/\s(?:src|href|action)="([^"]*)"/g)].map(([, url]) => url as string)
    t.same(references.filter((url) => url !== 'data:,' && !/^\/assets\/[\w.-]+$/.test(url)), [], `${file}: nothing from elsewhere`)
    for (const url of references.filter((url) => url.startsWith('/assets/'))) {
      t.ok(files.includes(url.slice('/assets/'.length)), `${url} is a file of public/`)
    }
  }
})

t.test('the script parses as a module and never writes markup, styles or handlers into the page', async (t) => {
  for (const file of files.filter((file) => extname(file) === '.js')) {
    const check = spawnSync(process.execPath, ['--check', join(PUBLIC, file)], { encoding: 'utf8' })
    t.equal(check.status, 0, `${file} parses: ${check.stderr}`)
    const script = await readFile(join(PUBLIC, file), 'utf8')
    t.notMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment/, `${file}: no markup from strings`)
    t.notMatch(script, /\beval\(|new Function|set(Timeout|Interval)\(\s*['"`]/, `${file}: no code from strings, which the policy forbids`)
    t.notMatch(script, /setAttribute\(\s*['"](style|on)/, `${file}: no inline style or handler attribute`)
    t.notMatch(script, /https?:\/\/|\bimport\b/, `${file}: nothing loaded from elsewhere`)
  }
})

t.test('the style loads nothing', async (t) => {
  for (const file of files.filter((file) => extname(file) === '.css')) {
    t.notMatch(await readFile(join(PUBLIC, file), 'utf8'), /@import|url\(/i, file)
  }
})

t.test('everything the page refers to answers, and none of it is a page', async (t) => {
  const fastify = await build(t)
  const page = await fastify.inject('/live')
  const references = [...page.body.matchAll(/\s(?:src|href)="(\/[^"]*)"/g)].map(([, url]) => url as string)
  t.same(references, ['/assets/live.css', '/assets/live.js'])
  for (const url of references) {
    const response = await fastify.inject(url)
    t.equal(response.statusCode, 200, url)
    t.notMatch(response.headers['content-type'], /^text\/html/, `${url} is not a page`)
  }
})
