// Turns benchmark results into a Markdown table, the targets' verdicts, and an SVG chart drawn with vega-lite.
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { SATURATED_CPU, type LoadResult } from './load.js'

export interface TargetResult {
  name: string
  own: boolean
  startupMs: number
  idleRssKb: number
  ladder: Array<LoadResult & { idealPerSecond: number, rssPerRequestKb: number }>
  sync: LoadResult
}

export interface BenchResults {
  date: string
  cores: number
  cpu: string
  node: string
  quick: boolean
  delayMs: number
  targets: TargetResult[]
  /** Size of the service's access log after the run. */
  accessLogBytes: number
  missingPeers: string[]
}

export interface Verdict {
  goal: string
  measured: string
  met: boolean
}

const number = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The ladder, overhead and start-up of every target, as Markdown. */
export function table (results: BenchResults): string {
  const rows = [
    '| target | connections | req/s | ideal | p50 ms | p99 ms | errors | KB per request in flight | wrk CPU | server CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const cpu = (step: LoadResult): string => `${number(step.loadGeneratorCpu, 2)} | ${number(step.serverCpu, 2)}`
  // Latencies of a step that got no answer at all would read 0 ms: show a dash instead.
  const latency = (step: LoadResult, value: number): string => step.requests === 0 ? '–' : number(value)
  for (const target of results.targets) {
    for (const step of target.ladder) {
      rows.push(`| ${target.name} | ${number(step.connections)} | ${number(step.requestsPerSecond)} | ${number(step.idealPerSecond)} | ${latency(step, step.p50Ms)} | ${latency(step, step.p99Ms)} | ${number(step.errors)} | ${number(step.rssPerRequestKb, 1)} | ${cpu(step)} |`)
    }
  }
  if (results.targets.some((target) => target.ladder.some((step) => step.requests === 0))) {
    rows.push('', 'A step with 0 req/s and no latency got no answer before the run ended: its requests still waited in the server\'s queue.')
  }
  rows.push('', '| target | /sync req/s (100 connections) | /sync p99 ms | wrk CPU | server CPU | start-up ms (median) |', '|---|---:|---:|---:|---:|---:|')
  for (const target of results.targets) {
    rows.push(`| ${target.name} | ${number(target.sync.requestsPerSecond)} | ${number(target.sync.p99Ms)} | ${cpu(target.sync)} | ${number(target.startupMs)} |`)
  }
  rows.push('', 'CPU: processor time over wall time during the load, in cores; wrk runs on one thread, so one core is its most.')
  const saturated = results.targets.flatMap((target) => [
    ...target.ladder.map((step) => ({ what: `${target.name} at ${number(step.connections)} connections`, step })),
    { what: `${target.name} on /sync`, step: target.sync }
  ]).filter(({ step }) => step.loadGeneratorCpu >= SATURATED_CPU)
  if (saturated.length > 0) {
    rows.push('', `wrk used ${number(SATURATED_CPU * 100)} % of its core or more for ${saturated.map(({ what }) => what).join(', ')}: ` +
      'there the req/s is a floor set by the load generator, not the server\'s ceiling.')
  }
  return rows.join('\n')
}

/** The service's targets, as ratios against the baseline measured in the same run. */
export function verdicts (results: BenchResults): Verdict[] {
  const service = results.targets.find((target) => target.name === 'service')
  const baseline = results.targets.find((target) => target.name === 'baseline')
  if (service === undefined || baseline === undefined) return []
  const top = (target: TargetResult): LoadResult & { rssPerRequestKb: number } => target.ladder.at(-1) as LoadResult & { rssPerRequestKb: number }
  const [ours, theirs] = [top(service), top(baseline)]
  const at = `/ at ${number(ours.connections)} connections`
  const throughput = ours.requestsPerSecond / theirs.requestsPerSecond
  const p99Gap = ours.p99Ms - theirs.p99Ms
  const sync = service.sync.requestsPerSecond / baseline.sync.requestsPerSecond
  const startup = service.startupMs / baseline.startupMs
  return [
    {
      goal: `${at}: ≥ 97 % of the baseline's req/s`,
      measured: `${number(throughput * 100, 1)} % (${number(ours.requestsPerSecond)} against ${number(theirs.requestsPerSecond)})`,
      met: throughput >= 0.97
    },
    {
      goal: `${at}: p99 within 80 ms of the baseline's`,
      measured: `${p99Gap >= 0 ? '+' : ''}${number(p99Gap)} ms (${number(ours.p99Ms)} against ${number(theirs.p99Ms)})`,
      met: p99Gap <= 80
    },
    { goal: `${at}: zero errors`, measured: number(ours.errors), met: ours.errors === 0 },
    { goal: `${at}: ≤ 30 KB resident memory per request in flight`, measured: `${number(ours.rssPerRequestKb, 1)} KB`, met: ours.rssPerRequestKb <= 30 },
    { goal: '/sync at 100 connections: ≥ 60 % of the baseline\'s req/s', measured: `${number(sync * 100, 1)} %`, met: sync >= 0.6 },
    { goal: 'start-up ≤ 2× the baseline\'s', measured: `${number(startup, 2)}×`, met: startup <= 2 }
  ]
}

export function verdictTable (list: Verdict[]): string {
  return ['| target | measured | met |', '|---|---:|:---:|', ...list.map((verdict) => `| ${verdict.goal} | ${verdict.measured} | ${verdict.met ? 'yes' : '**no**'} |`)].join('\n')
}

/** Throughput and p99 against connections, one line per target, as an SVG document. */
export async function chart (results: BenchResults): Promise<string> {
  const values = results.targets.flatMap((target) => target.ladder.map((step) => ({
    target: target.name,
    connections: step.connections,
    'requests per second': step.requestsPerSecond,
    // No answer, no latency: left out of the p99 panel rather than drawn as 0 ms.
    'p99 latency (ms)': step.requests === 0 ? null : step.p99Ms
  })))
  const panel = (field: string): object => ({
    width: 320,
    height: 240,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'connections', type: 'quantitative', scale: { type: 'log' } },
      y: { field, type: 'quantitative', scale: { type: 'symlog' } },
      color: { field: 'target', type: 'nominal' }
    }
  })
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `GET / (${results.delayMs} ms dependency), ${results.date.slice(0, 10)}, ${results.cores} cores`,
    data: { values },
    hconcat: [panel('requests per second'), panel('p99 latency (ms)')]
  } as TopLevelSpec
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  return view.toSVG()
}
