// The live page in a real browser, headless Chromium from Debian's chromium package: two people open /live, see the
// live updates arrive, join the chat and talk, and nothing goes to the console as an error (a CSP violation would); a
// third's stream is cut while the service runs on, and the page resumes it without a gap or a repeat.
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { chromium, type Locator, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { build } from '../helpers/app.ts'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

// A browser with two pages and the app, on a busy machine running the rest of the suite beside them.
t.setTimeout(120_000)

/** The switches of a browser that talks to nothing but the page: no GPU, no first-run, sync or update traffic. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic']

/** Where `chromium` is on the path; a missing browser fails the test, naming the package that brings it. */
function chromiumPath (): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' })
  if (found.status !== 0) {
    throw new Error("This test needs Chromium: install Debian's chromium package (apt-get install chromium), " +
      "as npm test's pretest does")
  }
  return found.stdout.trim()
}

/** A TCP proxy to `port` on loopback whose cut() closes every connection it carries; and how many it took. */
async function cuttingProxy (
  t: Test,
  port: number
): Promise<{ port: number, cut: () => void, connections: () => number }> {
  const carried = new Set<Socket>()
  let connections = 0
  const server = createServer((client) => {
    connections++
    const upstream = connect(port, '127.0.0.1')
    for (const socket of [client, upstream]) {
      carried.add(socket)
      socket.on('error', () => {}).on('close', () => { carried.delete(socket) })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of carried) socket.destroy()
    server.close()
  })
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => { for (const socket of carried) socket.destroy() },
    connections: () => connections
  }
}

t.test('two people on /live see the updates arrive and talk in the chat, with no error in the console', async (t) => {
  const executablePath = chromiumPath()
  const fastify = await build(t, { env: { LIVE_INTERVAL_MS: '100', LIVE_CALL_LATENCY_MS: '10', LIVE_RETRY_MS: '300' } })
  const base = await fastify.listen({ host: '127.0.0.1', port: 0 })

  // A profile of its own, removed after the browser has closed (teardowns run last first).
  const profile = await mkdtemp(join(tmpdir(), 'live-browser-'))
  t.teardown(() => rm(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS })
  t.teardown(() => context.close())

  // The page must need nothing from elsewhere (the machine may have no network): anything not loopback is refused.
  const refused: string[] = []
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url())
    if (url.hostname === '127.0.0.1') return await route.continue()
    refused.push(url.href)
    return await route.abort('blockedbyclient')
  })

  const problems: string[] = []
  /** Waits for `locator` to show; if it never does, says what the pages logged and keeps a screenshot of its page. */
  const until = async (locator: Locator): Promise<void> => {
    await locator.waitFor().catch(async (error: Error) => {
      await mkdir(ARTIFACTS, { recursive: true })
      await locator.page().screenshot({ path: join(ARTIFACTS, 'live.png'), fullPage: true })
      throw new Error(`${error.message}\nThe pages logged: ${problems.length === 0 ? 'nothing' : problems.join('\n')}`)
    })
  }
  const open = async (who: string): Promise<Page> => {
    const page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${who}, console: ${message.text()} (${message.location().url})`)
    })
    page.on('pageerror', (error) => { problems.push(`${who}, page error: ${error.message}`) })
    const response = await page.goto(`${base}/live`)
    t.equal(response?.status(), 200, `${who} opens /live`)
    return page
  }
  // Before its first update, the panel says it is connecting, then that it waits: on an app whose feed's first call
  // takes ten minutes.
  const slow = await build(t, { env: { LIVE_CALL_LATENCY_MS: '600000' } })
  const early = await context.newPage()
  await early.goto(`${await slow.listen({ host: '127.0.0.1', port: 0 })}/live`)
  await until(early.locator('#feed-status[data-state="open"]'))
  t.equal(await early.locator('#updates-waiting:visible').textContent(), 'Connected; waiting for the first update…',
    'an empty panel says why it is empty')
  await early.close()

  const ada = await open('ada')
  const grace = await open('grace')

  // Updates, every 100 ms: connected, and at least two listed, newest first.
  for (const page of [ada, grace]) {
    await until(page.locator('#feed-status[data-state="open"]'))
    await until(page.locator('#updates li[data-seq]').nth(1))
  }
  const seqs = await ada.$$eval('#updates li[data-seq]', (items) =>
    items.map((item) => Number(item.getAttribute('data-seq'))))
  t.ok(seqs.length >= 2, `updates listed (${seqs.length})`)
  t.ok(seqs.every((seq, index) => index === 0 || seq < (seqs[index - 1] as number)), `newest first: ${seqs.join(', ')}`)
  t.ok(await ada.locator('#updates-waiting').isHidden(), 'the note on the empty panel gone once updates came')

  // Ada joins with the keyboard alone, Grace with the button.
  await ada.getByLabel('Your name').fill('ada')
  await ada.getByLabel('Your name').press('Enter')
  await until(ada.locator('#chat-status[data-state="online"]'))
  await grace.getByLabel('Your name').fill('grace')
  await grace.getByRole('button', { name: 'Join' }).click()
  await until(grace.locator('#chat-status[data-state="online"]'))
  await until(ada.locator('#messages li[data-kind="presence"][data-joined~="grace"]'))
  t.match(await ada.locator('#messages li[data-kind="presence"][data-joined~="grace"] .notice').textContent(),
    /^grace joined$/)
  await until(ada.locator('#chat-online[data-online="2"]'))

  // What Ada sends reaches Grace as text, markup included: the page never reads it as HTML.
  const text = 'Hello Grace, <b>not bold</b> & fine'
  const box = ada.getByLabel('Message', { exact: true })
  await box.fill(text)
  await box.press('Enter')
  const received = grace.locator('#messages li[data-kind="message"][data-from="ada"]')
  await until(received)
  t.equal(await received.locator('.text').textContent(), text, 'Grace reads what Ada wrote')
  t.equal(await received.locator('b').count(), 0, 'as text, not markup')
  t.match(await received.locator('time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/, 'with its time')
  await until(ada.locator('#messages li[data-kind="message"][data-from="ada"]'))
  t.equal(await box.inputValue(), '', "Ada's box is emptied once the message is sent")

  // Carol's page reaches the service through a proxy that cuts its connections: her stream drops while the service
  // runs on; the page reconnects by itself and shows every update it missed, once, in order.
  const proxy = await cuttingProxy(t, Number(new URL(base).port))
  const carol = await context.newPage()
  await carol.goto(`http://127.0.0.1:${proxy.port}/live`)
  await until(carol.locator('#updates li[data-seq]').nth(2))
  const seqsOf = async (page: Page): Promise<number[]> => await page.$$eval('#updates li[data-seq]', (items) =>
    items.map((item) => Number(item.getAttribute('data-seq'))))
  const [lastBefore = 0] = await seqsOf(carol)
  proxy.cut()
  await until(carol.locator(`#updates li[data-seq="${lastBefore + 5}"]`))
  const after = await seqsOf(carol)
  const contiguous = after.every((seq, index) => index === 0 || seq === (after[index - 1] as number) - 1)
  t.ok(after.includes(lastBefore) && contiguous, `every update across the cut, once, newest first: ${after.join(', ')}`)
  t.ok(proxy.connections() >= 2, 'the page connected again by itself')

  await mkdir(ARTIFACTS, { recursive: true })
  await ada.screenshot({ path: join(ARTIFACTS, 'live.png'), fullPage: true })

  t.same(problems, [], 'no console error and no page error on either page')
  t.same(refused, [], 'nothing asked of anywhere but the service')
})
