// Bodies, as POST /tasks takes one: any Content-Type but JSON (or none) is a 415 naming application/json; a body that
// is not JSON says where it breaks; a key that could reach every object's prototype is refused by name.
import t from 'tap'
import { build } from '../../helpers/app.ts'

/** POST /tasks with `payload`, and `contentType` (none when undefined). */
async function post (t: Parameters<typeof build>[0], payload: string, contentType?: string) {
  const fastify = await build(t)
  return await fastify.inject({
    method: 'POST',
    url: '/tasks',
    payload,
    headers: contentType === undefined ? {} : { 'content-type': contentType }
  })
}

t.test('without a Content-Type, 415 saying that application/json is wanted, and the body unread', async (t) => {
  const response = await post(t, '')
  t.equal(response.statusCode, 415)
  t.same(response.json(), {
    statusCode: 415,
    error: 'Unsupported Media Type',
    message: 'POST /tasks takes a JSON body, sent with Content-Type: application/json; ' +
      'this request has no Content-Type',
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
  })
})

t.test('JSON sent as text/plain (or any other type): 415 naming the type sent, not a complaint about a field',
  async (t) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await post(t, '{"latencyMs":5}', type)
      t.equal(response.statusCode, 415, type)
      t.equal(response.json().message,
        `POST /tasks takes a JSON body, sent with Content-Type: application/json; this request's is ${type}`)
    }
  })

t.test('application/json with parameters, in any case, is JSON', async (t) => {
  for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
    t.equal((await post(t, '{"latencyMs":5}', type)).statusCode, 202, type)
  }
})

t.test('valid JSON with a key "__proto__", or a "constructor" holding "prototype", is refused by name', async (t) => {
  for (const payload of ['{"latencyMs":5,"__proto__":{"x":1}}', '{"latencyMs":5,"constructor":{"prototype":{}}}']) {
    const response = await post(t, payload, 'application/json')
    t.equal(response.statusCode, 400, payload)
    t.same(response.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'Body refused: it holds a key "__proto__", or a "constructor" with a "prototype", ' +
        'which could change every object; send it without'
    })
  }
})

t.test('a body that is not JSON says where it breaks', async (t) => {
  const response = await post(t, '{"latencyMs":', 'application/json')
  t.equal(response.statusCode, 400)
  t.same(response.json(), {
    statusCode: 400,
    error: 'Bad Request',
    message: 'Body is not valid JSON: Unexpected end of JSON input',
    code: 'FST_ERR_CTP_INVALID_JSON_BODY'
  })
})

t.test('an empty JSON body is refused as Fastify refuses it', async (t) => {
  t.match((await post(t, '', 'application/json')).json(), { statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' })
})

t.test('the OpenAPI document lists the 415 of a route that takes a body, and of none other', async (t) => {
  const fastify = await build(t)
  const { paths } = fastify.swagger() as unknown as { paths: Record<string, Record<string, { responses: object }>> }
  t.ok('415' in (paths['/tasks']?.post?.responses ?? {}), 'POST /tasks')
  t.notOk('415' in (paths['/tasks/{id}']?.get?.responses ?? {}), 'GET /tasks/{id}')
})
