// Flask's answer and the service's compared: each kind of difference found (status, a header, a JSON path, a text
// body, the time), what Flask's two answers differ in taken as noise, and a rule's reason for what is deliberate.
import t from 'tap'
import type { Answer } from '../../parity/answers.ts'
import { compareAnswers, NOISE, readRules, unexplained, type CompareOptions } from '../../parity/compare.ts'
import type { Probe } from '../../parity/probes.ts'

const probe: Probe = { method: 'GET', path: '/items/1', headers: {} }
const options: CompareOptions = { rules: [], normaliseWhitespace: false, timeToleranceMs: 150 }
const json = (body: unknown, status = 200, ms = 10): Answer =>
  ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ms })
const html = (body: string, status = 200, ms = 10): Answer =>
  ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body, ms })

t.test('the same answer, key order, Allow order and a JSON charset aside, has no difference', async (t) => {
  const flask = { ...json({ a: 1, b: [1, 2] }), headers: { 'content-type': 'application/json', allow: 'OPTIONS, GET' } }
  const service = {
    ...flask,
    body: '{"b":[1,2],"a":1}',
    headers: { 'content-type': 'application/json; charset=utf-8', allow: 'GET,OPTIONS' }
  }
  t.same(compareAnswers(probe, [flask, flask], service, options).differences, [])
})

t.test('each kind of difference: status, header, JSON path, text body, time', async (t) => {
  const flaskJson = json({ id: 1, tags: ['a', 'b'], meta: { v: 1 } })
  const serviceJson = {
    ...json({ id: 1, tags: ['a'], meta: { v: 2 }, extra: true }, 201),
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
  }
  t.same(compareAnswers(probe, [flaskJson, flaskJson], serviceJson, options).differences, [
    { field: 'status', flask: '200', service: '201' },
    { field: 'header cache-control', flask: '(none)', service: '"no-store"' },
    { field: 'json $.extra', flask: '(none)', service: 'true' },
    { field: 'json $.meta.v', flask: '1', service: '2' },
    { field: 'json $.tags[1]', flask: '"b"', service: '(none)' }
  ])
  t.same(compareAnswers(probe, [html('Hello'), html('Hello')], html('Hello!', 200, 500), options).differences, [
    { field: 'body', flask: '"Hello"', service: '"Hello!"' },
    { field: 'time', flask: '10 ms', service: '500 ms' }
  ])
  t.same(compareAnswers(probe, [html('a', 200, 400), html('a')], html('a', 200, 100), options).differences, [],
    'faster is no difference')
})

t.test('whitespace: a difference, unless normalised', async (t) => {
  const [flask, service] = [html('Welcome to the shop'), html('Welcome to  the shop\n')]
  t.same(compareAnswers(probe, [flask, flask], service, options).differences.map(({ field }) => field), ['body'])
  t.same(compareAnswers(probe, [flask, flask], service, { ...options, normaliseWhitespace: true }).differences, [])
})

t.test("what Flask's two answers differ in is noise: explained, not counted", async (t) => {
  const first = json({ ok: true, time: 1.5, request: 'aa' })
  const second = json({ ok: true, time: 2.5, request: 'bb' })
  const service = json({ ok: false, time: 9, request: 'cc' })
  const { differences } = compareAnswers(probe, [first, second], service, options)
  t.same(differences, [
    { field: 'json $.ok', flask: 'true', service: 'false' },
    { field: 'json $.request', flask: '"aa"', service: '"cc"', explained: NOISE },
    { field: 'json $.time', flask: '1.5', service: '9', explained: NOISE }
  ])
  const text = compareAnswers(probe, [html('token 1'), html('token 2')], html('token 3'), options)
  t.same(unexplained(text), [], 'a text body that differs between two answers is noise as a whole')
})

t.test("noise never hides a status, nor more of a text body than Flask's two answers differ in, nor a write's",
  async (t) => {
    const flaskTwice: [Answer, Answer] = [html('', 204), html('missing', 404)]
    const gone = compareAnswers({ ...probe, method: 'DELETE' }, flaskTwice, html('boom', 500), options)
    t.same(unexplained(gone).map(({ field }) => field), ['status'], 'two statuses from Flask: still compared')
    const [first, second] = [html('<p>csrf=abc</p><p>Hello</p>'), html('<p>csrf=xyz</p><p>Hello</p>')]
    t.same(unexplained(compareAnswers(probe, [first, second], html('<p>csrf=123</p><p>Hello</p>'), options)), [],
      'only the token differs')
    t.same(unexplained(compareAnswers(probe, [first, second], html('<p>csrf=123</p><p>Bye</p>'), options))
      .map(({ field }) => field), ['body'], 'the rest of the page differs too')
    const write = compareAnswers({ ...probe, method: 'POST' }, [json({ id: 1 }), undefined], json({ id: 2 }), options)
    t.same(unexplained(write).map(({ field }) => field), ['json $.id'], 'a write asked once: nothing learnt as noise')
    const moved = { ...html('', 301), headers: { location: '/Catalog/' } }
    t.same(compareAnswers(probe, [moved, moved], { ...moved, headers: { location: '/catalog/' } }, options).differences,
      [{ field: 'header location', flask: '"/Catalog/"', service: '"/catalog/"' }], "a path's case counts")
  })

t.test('a rule explains what it names, for the probes and statuses it names', async (t) => {
  const rules = readRules(JSON.stringify({
    rules: [
      { reason: 'errors are JSON here', status: '^[45]', fields: ['content-type', 'body'] },
      { reason: 'timestamps', path: '^/items/', jsonPaths: ['$.items[*].created', '$.meta'] },
      { reason: 'tokens', method: '^GET$', bodyPatterns: ['token=\\w+'] }
    ]
  }), 'rules.json')
  const error = compareAnswers(probe, [html('<h1>Not Found</h1>', 404), html('<h1>Not Found</h1>', 404)],
    json({ statusCode: 404 }, 404), { ...options, rules })
  t.same(error.differences.map(({ field, explained }) => [field, explained]), [
    ['header content-type', 'errors are JSON here'],
    ['body', 'errors are JSON here']
  ])
  const items = compareAnswers(probe,
    [json({ items: [{ created: 1 }], meta: { at: 1 } }), json({ items: [{ created: 1 }], meta: { at: 1 } })],
    json({ items: [{ created: 2 }], meta: { at: 2 }, id: 3 }), { ...options, rules })
  t.same(items.differences, [
    { field: 'json $.id', flask: '(none)', service: '3' },
    { field: 'json $.items[0].created', flask: '1', service: '2', explained: 'timestamps' },
    { field: 'json $.meta.at', flask: '1', service: '2', explained: 'timestamps' }
  ])
  t.same(compareAnswers(probe, [html('a token=x1'), html('a token=x1')], html('a token=y2'), { ...options, rules })
    .differences, [], 'a body pattern masks its matches in both')
  t.same(compareAnswers({ ...probe, path: '/other' }, [json({ meta: 1 }), json({ meta: 1 })], json({ meta: 2 }),
    { ...options, rules }).differences, [{ field: 'json $.meta', flask: '1', service: '2' }], 'not on another path')
})

t.test('a rules file that cannot be read is said in one line', async (t) => {
  t.throws(() => readRules('{', 'rules.json'), { message: /^rules\.json is not JSON: / })
  t.throws(() => readRules('{}', 'rules.json'), { message: 'rules.json has no "rules" list' })
  t.throws(() => readRules('null', 'rules.json'), { message: 'rules.json has no "rules" list' })
  t.throws(() => readRules('{"rules":[null]}', 'rules.json'), { message: 'rules.json: rule 1 gives no "reason"' })
  t.throws(() => readRules('{"rules":[{"fields":["body"]}]}', 'rules.json'),
    { message: 'rules.json: rule 1 gives no "reason"' })
  t.throws(() => readRules('{"rules":[{"reason":"r","path":"("}]}', 'rules.json'),
    { message: /^rules\.json: rule 1: Invalid regular expression/ })
})
