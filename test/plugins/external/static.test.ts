// @fastify/static on demand: loaded on the first request for a file, not at start; public/'s files under /assets/ with
// their types, validators and ranges, nothing else of the disk, a JSON 404 for a file that is not there,
// reply.sendAsset, and Swagger UI's own files still served beside them.
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { recordResolvedModules } from '../../helpers/resolved-modules.ts'
import { readUntilClosed } from '../../helpers/sockets.ts'

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public')
// Every module resolved from here on, by import or require.
const resolved = recordResolvedModules()
const STATIC = /node_modules\/@fastify\/static\//

t.test('the plugin loads on the first request for a file, not at start', async (t) => {
  const fastify = await build(t)
  t.ok(resolved.some((url) => url.includes('plugins/external/static')), "the resolve hook sees the app's modules")
  t.equal((await fastify.inject('/sync')).statusCode, 200)
  t.notOk(resolved.some((url) => STATIC.test(url)), 'not loaded at start, nor by another route')
  t.equal((await fastify.inject('/assets/live.css')).statusCode, 200)
  t.ok(resolved.some((url) => STATIC.test(url)), 'loaded for /assets/')
})

t.test("public/'s files are served under /assets/, each with its content type and the security headers", async (t) => {
  const fastify = await build(t)
  const types: Record<string, string> = {
    'live.js': 'application/javascript; charset=utf-8',
    'live.css': 'text/css; charset=utf-8',
    'live.html': 'text/html; charset=utf-8'
  }
  for (const [file, type] of Object.entries(types)) {
    const response = await fastify.inject(`/assets/${file}`)
    t.equal(response.statusCode, 200, file)
    t.equal(response.headers['content-type'], type)
    t.equal(response.body, await readFile(join(PUBLIC, file), 'utf8'), 'as it is on disk')
    t.match(response.headers['content-security-policy'], /^default-src 'self';/, 'with the security headers')
  }
  t.equal((await fastify.inject('/live.js')).statusCode, 404, 'under /assets/ only')
})

t.test('HEAD answers as GET does, without the body', async (t) => {
  const fastify = await build(t)
  const file = await readFile(join(PUBLIC, 'live.css'))
  const head = await fastify.inject({ method: 'HEAD', url: '/assets/live.css' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['content-type'], 'text/css; charset=utf-8')
  t.equal(head.headers['content-length'], String(file.length))
  t.ok(head.headers.etag, 'with its validators')
})

t.test('a file answers a request that holds its ETag or its Last-Modified with 304', async (t) => {
  const fastify = await build(t)
  const first = await fastify.inject('/assets/live.js')
  const etag = String(first.headers.etag)
  const lastModified = String(first.headers['last-modified'])
  t.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/, 'an ETag')
  t.ok(Date.parse(lastModified) > 0, 'a Last-Modified date')
  t.equal((await fastify.inject({ url: '/assets/live.js', headers: { 'if-none-match': etag } })).statusCode, 304)
  t.equal((await fastify.inject({ url: '/assets/live.js', headers: { 'if-modified-since': lastModified } })).statusCode,
    304)
  t.equal((await fastify.inject({ url: '/assets/live.js', headers: { 'if-none-match': 'W/"other"' } })).statusCode, 200)
})

t.test("a range gets its part with 206, one past the file's end 416 JSON, each with its Content-Range", async (t) => {
  const fastify = await build(t)
  const file = await readFile(join(PUBLIC, 'live.css'))
  const part = await fastify.inject({ url: '/assets/live.css', headers: { range: 'bytes=0-9' } })
  t.equal(part.statusCode, 206)
  t.equal(part.headers['content-range'], `bytes 0-9/${file.length}`)
  t.same(part.rawPayload, file.subarray(0, 10), 'the first ten bytes')
  const past = await fastify.inject({ url: '/assets/live.css', headers: { range: `bytes=${file.length}-` } })
  t.equal(past.statusCode, 416)
  t.equal(past.headers['content-range'], `bytes */${file.length}`)
  t.match(past.headers['content-type'], /^application\/json/)
  t.same(past.json(), { statusCode: 416, error: 'Range Not Satisfiable', message: 'Range Not Satisfiable' })
})

t.test('a file that is not there is a JSON 404, as for any unknown URL', async (t) => {
  const fastify = await build(t)
  for (const url of ['/assets/nope.js', '/assets/', '/assets/live']) {
    const response = await fastify.inject(url)
    t.equal(response.statusCode, 404, url)
    t.match(response.headers['content-type'], /^application\/json/)
    t.same(response.json(), { statusCode: 404, error: 'Not Found', message: `Route GET ${url} not found` })
  }
})

t.test('nothing outside public/ is served, whatever the path says (sent raw, as a client may)', async (t) => {
  const fastify = await build(t)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const { port } = fastify.server.address() as { port: number }
  for (const path of [
    '/assets/../package.json',
    '/assets/%2e%2e/package.json',
    '/assets/..%2fpackage.json',
    '/assets/%2e%2e%2fsrc%2fconfig.ts'
  ]) {
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    // Written, not ended: a client that hangs up before its answer gets none.
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
    const answer = await readUntilClosed(socket)
    t.match(answer, /^HTTP\/1\.1 (403|404) /, path)
    t.notMatch(answer, /"name": "async-service"|ConfigSchema/, 'and none of the file')
  }
})

t.test(
  "Swagger UI's own copy of the plugin keeps serving its files, and a route can answer with reply.sendAsset",
  async (t) => {
    const fastify = await build(t, {
      extend: (fastify) => fastify.get('/style-for-test', async (request, reply) => reply.sendAsset('live.css'))
    })
    const swaggerCss = await fastify.inject('/docs/static/swagger-ui.css')
    t.equal(swaggerCss.statusCode, 200)
    t.equal(swaggerCss.headers['content-type'], 'text/css; charset=utf-8')
    const sent = await fastify.inject('/style-for-test')
    t.equal(sent.statusCode, 200)
    t.equal(sent.headers['content-type'], 'text/css; charset=utf-8')
    t.equal(sent.body, await readFile(join(PUBLIC, 'live.css'), 'utf8'), "from public/, the plugin's root")
  }
)
