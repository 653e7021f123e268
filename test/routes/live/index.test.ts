// GET /live: the page, as HTML under the security headers, loading its script and style from /assets/; in the OpenAPI
// document with its tag and summary.
import t from 'tap'
import { build, HTML } from '../../helpers/app.ts'

t.test('GET /live answers the page as HTML, under the Content-Security-Policy, with its module script', async (t) => {
  const fastify = await build(t)
  const response = await fastify.inject('/live')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], HTML)
  t.equal(response.headers['content-security-policy'],
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;" +
    "form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';" +
    "script-src-attr 'none';style-src 'self' https: 'unsafe-inline'")
  t.match(response.body, /^<!doctype html>/i)
  t.match(response.body, '<script type="module" src="/assets/live.js"></script>')
  t.match(response.body, '<link rel="stylesheet" href="/assets/live.css">')
  t.match(response.body, '<link rel="icon" href="data:,">', 'no request for a favicon, which would be a 404')
  const head = await fastify.inject({ method: 'HEAD', url: '/live' })
  t.equal(head.statusCode, 200, 'HEAD too')
  t.equal(head.body, '')
})

t.test('the page is in the OpenAPI document, tagged "pages"', async (t) => {
  const fastify = await build(t)
  const document = (await fastify.inject('/docs/json')).json()
  t.match(document.paths['/live'].get, {
    tags: ['pages'],
    summary: 'A page for people: the live updates as they arrive, and the chat',
    responses: {
      200: { description: 'The page; its script and style are under /assets/', content: { 'text/html': {} } }
    }
  })
  t.match(document.tags.find((tag: { name: string }) => tag.name === 'pages'),
    { description: 'Pages for people: the live feed and the chat in a browser' },
    'the tag is described with the others')
})
