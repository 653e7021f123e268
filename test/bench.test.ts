// The benchmark harness at tiny scale, so that it cannot rot: it runs end to end and writes results of the right shape.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..')

t.test('npm run bench at tiny scale measures the service and the baseline and reports on its targets', { timeout: 180_000 }, async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'bench-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'),
    '--connections', '2,4', '--duration', '2', '--startups', '1', '--no-peers', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'exit')
  t.equal(code, 0, stderr)

  const results = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))
  t.match(results, { cores: Number, node: process.version, quick: true, delayMs: 1000, missingPeers: ['peers: left out (--no-peers)'] })
  t.same(results.targets.map((target: { name: string }) => target.name), ['service', 'baseline'])
  for (const target of results.targets) {
    t.match(target, { startupMs: Number, idleRssKb: Number, sync: { connections: 100, requestsPerSecond: Number, p99Ms: Number, errors: 0 } })
    t.ok(target.startupMs > 0 && target.idleRssKb > 0 && target.sync.requests > 0, `${target.name} measured something`)
    t.same(target.ladder.map((step: { connections: number }) => step.connections), [2, 4])
    for (const step of target.ladder) {
      t.match(step, { requests: Number, requestsPerSecond: Number, idealPerSecond: step.connections, p50Ms: Number, p99Ms: Number, errors: 0, rssPerRequestKb: Number })
      t.ok(step.p50Ms >= 1000, `${target.name} at ${step.connections}: / waited its second (${step.p50Ms} ms)`)
    }
  }
  t.ok(results.accessLogBytes > 1000, `the service wrote its access log under load (${results.accessLogBytes} bytes)`)
  t.equal(results.verdicts.length, 6)
  for (const verdict of results.verdicts) t.match(verdict, { goal: String, measured: String, met: Boolean })

  const markdown = await readFile(join(out, 'latest.md'), 'utf8')
  t.equal(stdout.trim(), markdown.trim(), 'prints what it writes')
  t.match(markdown, /\| service \| 4 \|/)
  t.match(markdown, /\| start-up ≤ 2× the baseline's \|/)
  t.match(await readFile(join(out, 'chart.svg'), 'utf8'), /^<svg[\s\S]*service[\s\S]*baseline[\s\S]*<\/svg>$/)
  t.equal(await readFile(join(out, 'service-access.log'), 'utf8'), '', 'the access log is emptied after the run')
})
