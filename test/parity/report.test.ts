// compare's table and HTML report: each request's verdict (same, explained, DIFFERS), both answers, what differs cut
// short in the table and whole in the page, escaped; and the counts.
import t from 'tap'
import type { Comparison } from '../../parity/compare.ts'
import { compareTable, htmlReport, summary } from '../../parity/report.ts'

const answer = (status: number, body: string, ms = 12.4) =>
  ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body, ms })
const comparisons: Comparison[] = [
  { probe: 'GET /', flask: answer(200, 'Hello'), service: answer(200, 'Hello', 3), differences: [] },
  {
    probe: 'GET /nope',
    flask: answer(404, '<h1>Not Found</h1>'),
    service: answer(404, '{"statusCode":404}'),
    differences: [{ field: 'body', flask: '"<h1>Not Found</h1>"', service: '"{}"', explained: 'errors are JSON here' }]
  },
  {
    probe: 'GET /catalog/new',
    flask: answer(200, '<p>new & popular</p>'),
    service: answer(404, 'x'),
    differences: [
      { field: 'status', flask: '200', service: '404' },
      { field: 'body', flask: JSON.stringify('<p>new & popular</p> and a long, long tail'), service: '"x"' }
    ]
  }
]

t.test('the table: a verdict, both statuses and times, the differences that count, cut; the counts', async (t) => {
  const text = compareTable(comparisons, 2)
  t.same(text.split('\n').slice(2), [
    'same       GET /             200 12 ms  200 3 ms',
    'explained  GET /nope         404 12 ms  404 12 ms',
    'DIFFERS    GET /catalog/new  200 12 ms  404 12 ms  ' +
      'status: 200 ≠ 404; body: "<p>new & popular</p> and a long, long … ≠ "x"',
    '',
    '3 requests, 1 with unexplained differences, 1 differences explained; 2 writes not sent (--allow-writes sends them)'
  ])
  t.same(summary(comparisons, 0), { probes: 3, differing: 1, explained: 1, heldBack: 0 })
  t.notMatch(compareTable(comparisons, 0), /writes not sent/)
})

t.test('the page: each request, its differences (why, for the explained), both answers whole, escaped', async (t) => {
  const page = htmlReport(comparisons, 0)
  t.match(page, /^<!doctype html>/)
  t.match(page, '<p>3 requests, 1 with unexplained differences, 1 differences explained</p>')
  t.match(page, '<section class="differs"><h2>GET /catalog/new</h2>')
  t.match(page, '<li class="counts">status: 200 ≠ 404</li>')
  t.match(page, '<li class="explained">body: &quot;&lt;h1&gt;Not Found&lt;/h1&gt;&quot; ≠ &quot;{}&quot; ' +
    '<i>(errors are JSON here)</i></li>')
  t.match(page, '<pre>content-type: text/html; charset=utf-8\n\n&lt;p&gt;new &amp; popular&lt;/p&gt;</pre>')
  t.notMatch(page, '<p>new & popular</p>', 'nothing of an answer unescaped')
  t.notMatch(page, /<(script|link|img)\b/, 'nothing to load')
})
