// The OpenAPI document at /docs/json: valid OpenAPI 3 (checked by a maintained validator), every route in it with its
// parameters, the statuses it can answer and their content types; Swagger UI at /docs.
import { Validator } from '@seriousme/openapi-schema-validator'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build } from '../../helpers/app.ts'

interface Operation {
  tags?: string[]
  summary?: string
  parameters?: Array<{ name: string, in: string, required?: boolean }>
  responses: Record<string, { description: string, content?: Record<string, unknown> }>
}

interface Document {
  openapi: string
  tags: Array<{ name: string, description: string }>
  paths: Record<string, Record<string, Operation>>
}

/**
 * The app, the routes it registered (method and URL, HEAD left out as Fastify adds it to each GET) and its document.
 */
async function documented (
  t: Parameters<typeof build>[0],
  env: Record<string, string> = {}
): Promise<{ fastify: FastifyInstance, routes: string[], document: Document }> {
  const routes: string[] = []
  const fastify = await build(t, {
    env,
    before: (fastify) => fastify.addHook('onRoute', (route) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
      // As the document writes a path parameter: /tasks/{id} for /tasks/:id.
      const path = route.url.replace(/:(\w+)/g, '{$1}')
      for (const method of [route.method].flat()) if (method !== 'HEAD' && !hidden) routes.push(`${method} ${path}`)
    })
  })
  const response = await fastify.inject('/docs/json')
  t.equal(response.statusCode, 200)
  return { fastify, routes, document: response.json() }
}

/**
 * The statuses each operation of the document answers, with each one's content type: "GET /" → { 200: 'text/html' }.
 */
function statuses (document: Document): Record<string, Record<string, string>> {
  const operations: Record<string, Record<string, string>> = {}
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations[`${method.toUpperCase()} ${path}`] = Object.fromEntries(Object.entries(operation.responses)
        .map(([status, response]) => [status, Object.keys(response.content ?? {}).join(', ')]))
    }
  }
  return operations
}

t.test('the document is valid OpenAPI 3', async (t) => {
  const { document } = await documented(t, { RATE_LIMIT_MAX: '100' })
  t.match(document.openapi, /^3\./)
  const result = await new Validator().validate(document as unknown as Parameters<Validator['validate']>[0])
  t.same(result.errors, undefined, 'no errors')
  t.equal(result.valid, true)
})

t.test('every registered route is in the document, and the document has no route the app lacks', async (t) => {
  const { routes, document } = await documented(t)
  const inDocument = Object.keys(statuses(document))
  t.same([...inDocument].sort(), [...routes].sort())
  t.same([...routes].sort(), [
    'GET /', 'GET /chat', 'GET /cpu', 'GET /cpu/blocking', 'GET /events', 'GET /fanout', 'GET /health', 'GET /live',
    'GET /metrics', 'GET /ready', 'GET /sync', 'GET /tasks/{id}', 'GET /wait', 'POST /tasks'
  ], 'the routes of this issue')
})

t.test('each operation lists every status it can answer, with its content type', async (t) => {
  const json = 'application/json'
  const html = 'text/html'
  const prometheus = 'text/plain; version=0.0.4; charset=utf-8'
  const events = 'text/event-stream'
  const { document } = await documented(t)
  t.same(statuses(document), {
    'GET /': { 200: html, 502: json, 503: json, 504: json },
    'GET /sync': { 200: html, 503: json },
    'GET /wait': { 200: html, 400: json, 502: json, 503: json, 504: json },
    'GET /fanout': { 200: json, 400: json, 502: json, 503: json, 504: json },
    'GET /cpu': { 200: json, 400: json, 503: json, 504: json },
    'GET /cpu/blocking': { 200: json, 400: json, 503: json },
    'GET /health': { 200: json },
    'GET /ready': { 200: json, 503: json },
    'GET /metrics': { 200: prometheus },
    'GET /live': { 200: html, 503: json },
    'POST /tasks': { 202: json, 400: json, 409: json, 415: json, 422: json, 503: json },
    'GET /tasks/{id}': { 200: json, 400: json, 404: json, 503: json },
    'GET /events': { 200: events, 400: json, 406: json, 429: json, 503: json },
    'GET /chat': { 101: '', 400: json, 426: json, 429: json, 503: json }
  })
  const { document: limited } = await documented(t, { RATE_LIMIT_MAX: '100' })
  t.same(statuses(limited), {
    'GET /': { 200: html, 429: json, 502: json, 503: json, 504: json },
    'GET /sync': { 200: html, 429: json, 503: json },
    'GET /wait': { 200: html, 400: json, 429: json, 502: json, 503: json, 504: json },
    'GET /fanout': { 200: json, 400: json, 429: json, 502: json, 503: json, 504: json },
    'GET /cpu': { 200: json, 400: json, 429: json, 503: json, 504: json },
    'GET /cpu/blocking': { 200: json, 400: json, 429: json, 503: json },
    'GET /health': { 200: json },
    'GET /ready': { 200: json, 503: json },
    'GET /metrics': { 200: prometheus },
    'GET /live': { 200: html, 429: json, 503: json },
    'POST /tasks': { 202: json, 400: json, 409: json, 415: json, 422: json, 429: json, 503: json },
    'GET /tasks/{id}': { 200: json, 400: json, 404: json, 429: json, 503: json },
    'GET /events': { 200: events, 400: json, 406: json, 429: json, 503: json },
    'GET /chat': { 101: '', 400: json, 426: json, 429: json, 503: json }
  }, 'with rate limiting on, 429 too, but not on the probes and the metrics')
})

t.test('the probes and the errors every route may answer are described for the reader', async (t) => {
  const { document: limited } = await documented(t, { RATE_LIMIT_MAX: '100' })
  const operation = (path: string): Operation => limited.paths[path]?.get as Operation
  t.match(operation('/health'), {
    tags: ['probes'],
    summary: 'Liveness: answers 200 while the event loop turns, whatever the load',
    responses: { 200: { description: 'The process is alive' } }
  })
  t.match(operation('/ready'), {
    tags: ['probes'],
    summary: 'Readiness: 200 while the service takes traffic, 503 once it is stopping or under pressure',
    responses: {
      200: { description: 'The service takes traffic' },
      503: { description: 'Send no traffic: the service is stopping or under pressure' }
    }
  })
  t.match(operation('/sync').responses, {
    429: { description: 'Too many requests from this address in the window: retry after Retry-After' },
    503: { description: 'The service sheds load (under pressure: retry after Retry-After) or is shutting down' }
  })
})

t.test('every tag an operation has is declared, with a description', async (t) => {
  const { document } = await documented(t)
  const used = new Set(Object.values(document.paths).flatMap((methods) =>
    Object.values(methods).flatMap((operation) => operation.tags ?? [])))
  t.same([...used].sort(), ['async', 'chat', 'cpu', 'live', 'observability', 'pages', 'probes', 'seed', 'tasks'])
  for (const tag of used) t.ok((document.tags.find(({ name }) => name === tag)?.description ?? '').length > 10, tag)
})

t.test("/wait's ?seconds is documented as an optional query parameter", async (t) => {
  const { document } = await documented(t)
  t.match(document.paths['/wait']?.get?.parameters, [{ name: 'seconds', in: 'query', required: false }])
  t.equal(document.paths['/wait']?.get?.parameters?.length, 1)
})

t.test('/events documents Last-Event-ID as an optional header, and ?lastEventId as its stand-in', async (t) => {
  const { document } = await documented(t)
  const id = { type: 'string', pattern: '^[0-9]{1,15}$' }
  t.match(document.paths['/events']?.get?.parameters, [
    { name: 'lastEventId', in: 'query', required: false, schema: id },
    { name: 'last-event-id', in: 'header', required: false, schema: id }
  ])
})

t.test(
  "/chat is documented as the WebSocket it is: its required ?name, the upgrade's 101 with no body, and 426",
  async (t) => {
    const { document } = await documented(t)
    const operation = document.paths['/chat']?.get as Operation
    t.match(operation, {
      tags: ['chat'],
      parameters: [
        { name: 'name', in: 'query', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' } }
      ],
      responses: {
        101: { description: 'Switching Protocols: the socket is in the room' },
        426: { description: 'A plain GET: /chat speaks WebSocket only' }
      }
    })
    t.equal(operation.parameters?.length, 1)
  }
)

t.test(
  "the tasks' routes document their body, their path parameter and the Location of an accepted task",
  async (t) => {
    const { document } = await documented(t)
    const post = document.paths['/tasks']?.post as Operation & { requestBody: unknown }
    t.match(post.requestBody, {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['latencyMs'],
            properties: { latencyMs: { type: 'integer', minimum: 0, maximum: 60000 } },
            additionalProperties: false
          }
        }
      }
    })
    t.match(post.responses[202], { headers: { Location: { schema: { type: 'string' } } } })
    t.match(document.paths['/tasks/{id}']?.get?.parameters,
      [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }])
  }
)

t.test('Swagger UI is served at /docs', async (t) => {
  const { fastify } = await documented(t)
  const page = await fastify.inject('/docs')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<div id="swagger-ui"><\/div>/)
  t.match((await fastify.inject('/docs/static/swagger-initializer.js')).body, "url: resolveUrl('./json')",
    'over /docs/json')
})

t.test('each error answer\'s example shows its own status, not the lowest an error may have', async (t) => {
  const { document } = await documented(t)
  const example = (path: string, method: string, status: string): unknown => {
    const { schema } = document.paths[path]?.[method]?.responses[status]?.content?.['application/json'] as {
      schema: { properties: Record<string, { examples?: unknown[] }> }
    }
    return { statusCode: schema.properties.statusCode?.examples, error: schema.properties.error?.examples }
  }
  t.same(example('/', 'get', '502'), { statusCode: [502], error: ['Bad Gateway'] })
  t.same(example('/', 'get', '503'), { statusCode: [503], error: ['Service Unavailable'] })
  t.same(example('/', 'get', '504'), { statusCode: [504], error: ['Gateway Timeout'] })
  t.same(example('/tasks', 'post', '415'), { statusCode: [415], error: ['Unsupported Media Type'] })
  t.same(example('/tasks/{id}', 'get', '404'), { statusCode: [404], error: ['Not Found'] })
})
