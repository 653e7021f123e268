// Security headers from helmet on every answer, and a policy under which Swagger UI loads only its own files.
import t from 'tap'
import { build } from '../../helpers/app.ts'

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
