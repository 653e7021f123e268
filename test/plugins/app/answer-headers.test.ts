// The headers every answer carries: its request id (a well-formed x-request-id echoed and logged, anything else
// replaced by a generated id), helmet's security headers on pages, errors, 404s, probes and the docs, with a policy
// under which Swagger UI loads only its own files. Connection: close during a stop: test/plugins/app/shutdown.test.ts.
import Fastify from 'fastify'
import t from 'tap'
import answerHeaders from '../../../plugins/app/answer-headers.ts'
import shutdown from '../../../plugins/app/shutdown.ts'
import configPlugin from '../../../plugins/config.ts'
import { build, testConfig } from '../../helpers/app.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('a well-formed x-request-id is echoed and names the request in the log', async (t) => {
  const logLines: string[] = []
  const fastify = await build(t, { env: { LOG_LEVEL: 'info' }, logLines })
  for (const id of ['abc-123', 'trace_id.1:2', '7f8c1e0a-9b2d-4c3e-8f1a-2b3c4d5e6f70', 'x'.repeat(64)]) {
    const response = await fastify.inject({ url: '/sync', headers: { 'x-request-id': id } })
    t.equal(response.headers['x-request-id'], id)
    t.ok(logLines.some((line) => JSON.parse(line).reqId === id), 'the access line carries it')
  }
})

t.test('a missing or malformed x-request-id is replaced, never echoed', async (t) => {
  const fastify = await build(t)
  const hostile = ['', 'has space', '<script>alert(1)</script>', 'x'.repeat(65), 'line\\nbreak', 'a/b', 'é']
  for (const id of hostile) {
    const response = await fastify.inject({ url: '/sync', headers: { 'x-request-id': id } })
    t.match(response.headers['x-request-id'], UUID, JSON.stringify(id))
  }
  const missing = await fastify.inject('/sync')
  t.match(missing.headers['x-request-id'], UUID, 'missing')
  const repeated = await fastify.inject({ url: '/sync', headers: { 'x-request-id': ['a', 'b'] } })
  t.match(repeated.headers['x-request-id'], UUID, 'repeated')
  const otherHeader = await fastify.inject({ url: '/sync', headers: { 'request-id': 'from-another-header' } })
  t.match(otherHeader.headers['x-request-id'], UUID, 'only x-request-id is read')
})

t.test('every request gets its own id, errors included', async (t) => {
  const fastify = await build(t)
  const ids = new Set<string>()
  for (const url of ['/sync', '/sync', '/nope']) ids.add(String((await fastify.inject(url)).headers['x-request-id']))
  t.equal(ids.size, 3)
})

t.test('on a bare Fastify, the plugin sends back whatever id Fastify gave the request', async (t) => {
  const fastify = Fastify({ genReqId: () => 'given-by-fastify' })
  t.teardown(() => fastify.close())
  await fastify.register(configPlugin, { config: await testConfig() })
  await fastify.register(shutdown)
  await fastify.register(answerHeaders)
  fastify.get('/', async () => 'ok')
  t.equal((await fastify.inject('/')).headers['x-request-id'], 'given-by-fastify')
})

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
    "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
    "style-src 'self' https: 'unsafe-inline'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0'
}

t.test('every answer carries the security headers: pages, errors, 404s, probes and the docs', async (t) => {
  const fastify = await build(t)
  const securityHeaders = (headers: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, headers[name]]))
  for (const url of ['/sync', '/', '/wait?seconds=x', '/nope', '/ready', '/docs', '/docs/json']) {
    const response = await fastify.inject(url)
    t.same(securityHeaders(response.headers), SECURITY_HEADERS, `${url} (${response.statusCode})`)
  }
  const methodNotAllowed = await fastify.inject({ method: 'DELETE', url: '/sync' })
  t.equal(methodNotAllowed.statusCode, 405)
  t.same(securityHeaders(methodNotAllowed.headers), SECURITY_HEADERS, '405')
})

t.test(
  'Swagger UI loads nothing but its own files, which the policy allows: no inline script or style, ' +
    'nothing from elsewhere',
  async (t) => {
    const fastify = await build(t)
    const page = await fastify.inject('/docs')
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, /<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler')
    const references = [...page.body.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(([, url]) => url as string)
    t.same(references.filter((url) => !url.startsWith('/docs/static/')), [], 'every file from this service')
    t.ok(references.length >= 5, `the page refers to its scripts, styles and icons (${references.length})`)
    for (const url of references) {
      const response = await fastify.inject(url)
      t.equal(response.statusCode, 200, url)
      t.notOk(response.headers['content-type']?.toString().startsWith('text/html'), `${url} is not a page`)
    }
  }
)
