// The requests compare sends: the route table's (each method with a value the converters take, HEAD, OPTIONS, a value
// refused, a method not served), a HAR file's, a JSON list's, an access log's; only the safe methods unless writes
// are allowed.
import t from 'tap'
import { fileProbes, logProbes, probeName, sendable, tableProbes } from '../../parity/probes.ts'
import { flaskRule, flaskVariable } from '../helpers/parity.ts'

t.test("the route table's requests, each once; none for a static folder", async (t) => {
  const probes = tableProbes([
    flaskRule('/items/<int:id>', ['GET', 'PUT'], 'item', [flaskVariable('id', 'int')]),
    flaskRule('/orders', ['POST'], 'orders'),
    flaskRule('/about', ['GET'], 'about'),
    flaskRule('/about', ['GET'], 'about_again'),
    flaskRule('/orders/<int:id>/<note>', ['PUT'], 'note',
      [flaskVariable('id', 'int'), flaskVariable('note', 'default')]),
    { ...flaskRule('/static/<path:filename>', ['GET'], 'static', [flaskVariable('filename', 'path')]), static: true }
  ])
  t.same(probes.map(probeName), [
    'GET /items/1', 'PUT /items/1', 'HEAD /items/1', 'OPTIONS /items/1', 'GET /items/x', 'TRACE /items/1',
    'POST /orders', 'OPTIONS /orders', 'GET /orders',
    'GET /about', 'HEAD /about', 'OPTIONS /about', 'TRACE /about',
    'PUT /orders/1/a', 'OPTIONS /orders/1/a', 'PUT /orders/x/a', 'GET /orders/1/a'
  ])
  t.same(probes[0], { method: 'GET', path: '/items/1', headers: {} })
})

t.test('a HAR file: each request with its method, path and query, the headers that carry meaning, its body',
  async (t) => {
    const har = JSON.stringify({
      log: {
        entries: [
          {
            request: {
              method: 'get',
              url: 'https://shop.example/catalog/?page=2',
              headers: [{ name: 'Accept', value: 'application/json' }, { name: 'User-Agent', value: 'Chrome' }]
            }
          },
          {
            request: {
              method: 'POST',
              url: 'https://shop.example/api/orders',
              headers: [{ name: 'Content-Type', value: 'application/json' }],
              postData: { text: '{"item":1}' }
            }
          },
          { request: { method: 'GET', url: 'https://shop.example/catalog/?page=2', postData: { text: '' } } }
        ]
      }
    })
    t.same(fileProbes(har, 'shop.har'), [
      { method: 'GET', path: '/catalog/?page=2', headers: { accept: 'application/json' } },
      { method: 'POST', path: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"item":1}' },
      { method: 'GET', path: '/catalog/?page=2', headers: {} }
    ])
  })

t.test('a JSON list of requests; what is not one is said in one line', async (t) => {
  t.same(fileProbes('[{"method":"get","path":"/a?b=1","headers":{"Cookie":"s=1","X-Other":"y"}},' +
    '{"method":"PUT","path":"/a","body":"{}"}]', 'requests.json'), [
    { method: 'GET', path: '/a?b=1', headers: { cookie: 's=1' } },
    { method: 'PUT', path: '/a', headers: {}, body: '{}' }
  ])
  t.throws(() => fileProbes('[', 'requests.json'),
    { message: /^requests\.json is not JSON \(a HAR file, or a list of requests\): / })
  t.throws(() => fileProbes('{"requests":[]}', 'requests.json'),
    { message: 'requests.json is neither a HAR file nor a list of requests' })
  t.throws(() => fileProbes('[{"method":"GET","path":"/a"},{"method":"GET","path":"a"}]', 'requests.json'),
    { message: 'requests.json: request 2 needs a "method" and a "path" starting with /' })
  t.throws(() => fileProbes('[null]', 'requests.json'),
    { message: 'requests.json: request 1 needs a "method" and a "path" starting with /' })
  t.throws(() => fileProbes('null', 'requests.json'),
    { message: 'requests.json is neither a HAR file nor a list of requests' })
  for (const entry of [null, {}, { request: { method: 'GET', url: '/relative' } }]) {
    t.throws(() => fileProbes(JSON.stringify({ log: { entries: [entry] } }), 'shop.har'),
      { message: 'shop.har: entry 1 has no request with a method and an absolute URL' })
  }
})

t.test("an access log, nginx's combined format and Werkzeug's: each request line once", async (t) => {
  const log = [
    '127.0.0.1 - - [07/Dec/2026:12:00:00 +0000] "GET /catalog/?page=2 HTTP/1.1" 200 512 "-" "curl/8.0"',
    '127.0.0.1 - - [07/Dec/2026 12:00:01] "POST /api/orders HTTP/1.1" 201 -',
    ' * Running on http://127.0.0.1:5000',
    '127.0.0.1 - - [07/Dec/2026 12:00:02] "GET /catalog/?page=2 HTTP/1.1" 200 -',
    ''
  ].join('\n')
  t.same(logProbes(log), [
    { method: 'GET', path: '/catalog/?page=2', headers: {} },
    { method: 'POST', path: '/api/orders', headers: {} }
  ])
})

t.test('only the safe methods, unless writes are allowed; the others counted', async (t) => {
  const probes = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'POST', 'PUT', 'PATCH', 'DELETE']
    .map((method) => ({ method, path: '/', headers: {} }))
  const safe = sendable(probes, false)
  t.same(safe.probes.map(({ method }) => method), ['GET', 'HEAD', 'OPTIONS', 'TRACE'])
  t.equal(safe.heldBack, 4)
  t.same(sendable(probes, true), { probes, heldBack: 0 })
})
