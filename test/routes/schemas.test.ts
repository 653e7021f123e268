// The seed's routes declare their contract: tagged and summarised, 200 as text/html, /wait's 400 as the error shape.
import type { RouteOptions } from 'fastify'
import t from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { build } from '../helpers/app.ts'

/** The schema each GET route of the app was registered with, by URL. */
async function routeSchemas (t: Parameters<typeof build>[0]): Promise<Map<string, RouteOptions['schema']>> {
  const schemas = new Map<string, RouteOptions['schema']>()
  await build(t, {
    env: { WAIT_DELAY_MS: '1500', ROOT_DELAY_MS: '250' },
    before: (fastify) => fastify.addHook('onRoute', (route) => {
      if (route.method === 'GET') schemas.set(route.url, route.schema)
    })
  })
  return schemas
}

t.test(
  'each seed route is tagged "seed", summarised with its own delay, and answers 200 as a text/html string',
  async (t) => {
    const schemas = await routeSchemas(t)
    const summaries: Record<string, string> = {
      '/': 'Awaits the slow dependency (250 ms), then greets',
      '/wait': 'Awaits the slow dependency for ?seconds (1.5 s without it), then says how long',
      '/sync': 'Answers at once, from a plain synchronous handler'
    }
    const bodies: Record<string, string> = {
      '/': 'Hello from async Flask!',
      '/wait': 'Waited N seconds!',
      '/sync': 'This is a normal sync route.'
    }
    for (const url of ['/', '/wait', '/sync']) {
      const schema = schemas.get(url) as { tags: string[], summary: string, response: Record<number, unknown> }
      t.same(schema.tags, ['seed'], url)
      t.equal(schema.summary, summaries[url])
      t.match(schema.response[200],
        { description: bodies[url], content: { 'text/html': { schema: { type: 'string' } } } })
    }
  }
)

t.test("/wait's 400 is the error shape, which takes an error answer and refuses anything else", async (t) => {
  const schemas = await routeSchemas(t)
  const errorSchema = (schemas.get('/wait') as { response: Record<number, TSchema> }).response[400] as TSchema
  t.match(errorSchema, { description: '?seconds is not a decimal number of seconds from 0 to 60' })
  const valid = {
    statusCode: 400, error: 'Bad Request', message: 'querystring/seconds must be ...', code: 'FST_ERR_VALIDATION'
  }
  t.ok(Value.Check(errorSchema, valid))
  t.ok(Value.Check(errorSchema, { statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' }),
    'code is optional')
  for (const [field, value] of [
    ['statusCode', 200], ['statusCode', 400.5], ['error', 400], ['message', null], ['code', 7]
  ] as const) {
    t.notOk(Value.Check(errorSchema, { ...valid, [field]: value }), `${field}: ${JSON.stringify(value)}`)
  }
  for (const [field, property] of Object.entries(
    (errorSchema as { properties: Record<string, { description?: string }> }).properties
  )) {
    t.ok((property.description ?? '').length > 10, `${field} is described`)
  }
})
