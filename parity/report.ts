// compare's output: a table of the probes and what differs, a self-contained HTML report with each probe's two answers
// side by side, and the counts.
import type { Answer } from './answers.ts'
import { unexplained, type Comparison } from './compare.ts'
import { table } from './table.ts'

export interface CompareSummary {
  probes: number
  /** Probes with a difference that counts. */
  differing: number
  /** Differences not counted: learnt noise, or explained by a rule. */
  explained: number
  /** Probes not sent: writes, without --allow-writes. */
  heldBack: number
}

export function summary (comparisons: Comparison[], heldBack: number): CompareSummary {
  return {
    probes: comparisons.length,
    differing: comparisons.filter((comparison) => unexplained(comparison).length > 0).length,
    explained: comparisons.reduce((sum, { differences }) => sum + differences.filter((d) => d.explained).length, 0),
    heldBack
  }
}

function counts ({ probes, differing, explained, heldBack }: CompareSummary): string {
  return `${probes} requests, ${differing} with unexplained differences, ${explained} differences explained` +
    (heldBack === 0 ? '' : `; ${heldBack} writes not sent (--allow-writes sends them)`)
}

/** A value cut to 40 characters for a table's cell; the HTML report and the JSON have it whole. */
function cut (value: string): string {
  return value.length <= 40 ? value : `${value.slice(0, 39)}…`
}

/** Each probe with both statuses and times, and its unexplained differences, then the counts. */
export function compareTable (comparisons: Comparison[], heldBack: number): string {
  const rows = comparisons.map((comparison) => {
    const { probe, flask, service } = comparison
    const counting = unexplained(comparison)
    return [
      counting.length > 0 ? 'DIFFERS' : comparison.differences.length > 0 ? 'explained' : 'same',
      probe,
      `${flask.status} ${Math.round(flask.ms)} ms`,
      `${service.status} ${Math.round(service.ms)} ms`,
      counting.map(({ field, flask: a, service: b }) => `${field}: ${cut(a)} ≠ ${cut(b)}`).join('; ')
    ]
  })
  return table(['', 'request', 'Flask', 'service', 'unexplained differences'], rows) + '\n\n' +
    counts(summary(comparisons, heldBack))
}

const escape = (text: string): string =>
  text.replace(/[&<>"]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[character] as string)

function answerCell (answer: Answer): string {
  const headers = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`).join('\n')
  return `<td><b>${answer.status}</b>, ${Math.round(answer.ms)} ms` +
    `<pre>${escape(headers)}\n\n${escape(answer.body)}</pre></td>`
}

/** A page that needs nothing else: each probe, its differences (explained ones with why), both answers side by side. */
export function htmlReport (comparisons: Comparison[], heldBack: number): string {
  const sections = comparisons.map((comparison) => {
    const counting = unexplained(comparison).length > 0
    const differences = comparison.differences.map(({ field, flask, service, explained }) =>
      `<li class="${explained === undefined ? 'counts' : 'explained'}">${escape(field)}: ${escape(flask)} ≠ ` +
      `${escape(service)}${explained === undefined ? '' : ` <i>(${escape(explained)})</i>`}</li>`).join('')
    return `<section class="${counting ? 'differs' : 'same'}"><h2>${escape(comparison.probe)}</h2>` +
      `<ul>${differences}</ul><table><tr><th>Flask</th><th>service</th></tr>` +
      `<tr>${answerCell(comparison.flask)}${answerCell(comparison.service)}</tr></table></section>`
  })
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Flask and the service, request by request</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
section { border-left: 4px solid #2a7; padding-left: 1rem; margin-bottom: 1.5rem; }
section.differs { border-color: #c33; }
li.counts { color: #c33; }
li.explained { color: #777; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
td, th { border: 1px solid #ddd; padding: 0.5rem; vertical-align: top; text-align: left; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0.5rem 0 0; }
</style>
</head>
<body>
<h1>Flask and the service, request by request</h1>
<p>${escape(counts(summary(comparisons, heldBack)))}</p>
${sections.join('\n')}
</body>
</html>
`
}
