// Bodies are JSON, and a client that sends one wrong is told what: a route that takes a body answers any other
// Content-Type, or none, with a 415 naming application/json, before the body is read; a body that is not JSON says
// where it breaks; valid JSON holding a key that could reach every object's prototype says that key is refused.
import { httpErrors } from '@fastify/sensible'
import type { FastifyError, FastifyRequest, preParsingAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { ErrorResponse } from '../../src/http/schemas.ts'

const JSON_TYPE = 'application/json'
const INVALID_JSON = 'FST_ERR_CTP_INVALID_JSON_BODY'

/** The media type of a Content-Type header, without its parameters, in lower case. */
const mediaType = (header: string): string => (header.split(';')[0] as string).trim().toLowerCase()

/** Refuses a request to a route that takes a JSON body unless it says it sends one. */
const requireJson: preParsingAsyncHookHandler = async (request: FastifyRequest, reply, payload) => {
  const header = request.headers['content-type']
  if (header !== undefined && mediaType(header) === JSON_TYPE) return payload
  throw httpErrors.createError(415,
    `${request.method} ${request.routeOptions.url} takes a JSON body, sent with Content-Type: ${JSON_TYPE}; ` +
    (header === undefined ? 'this request has no Content-Type' : `this request's is ${header}`),
    { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })
}

/** What was wrong with `body`, which Fastify's JSON parser refused with `error`. */
function explained (error: FastifyError, body: string): Error {
  if (error.code !== INVALID_JSON) return error
  try {
    JSON.parse(body)
  } catch (syntax) {
    return httpErrors.createError(400, `Body is not valid JSON: ${(syntax as Error).message}`, { code: INVALID_JSON })
  }
  return httpErrors.badRequest('Body refused: it holds a key "__proto__", or a "constructor" with a "prototype", ' +
    'which could change every object; send it without')
}

export default fp(async (fastify) => {
  // Fastify's own parser, refusing such keys as it does by default; only its errors are made to say more.
  const parse = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser(JSON_TYPE)
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error, json) => {
      if (error === null) done(null, json)
      else done(explained(error as FastifyError, body as string), undefined)
    })
  })

  fastify.addHook('onRoute', (route) => {
    if (route.schema?.body === undefined) return
    route.preParsing = [route.preParsing ?? []].flat().concat(requireJson)
    route.schema = {
      ...route.schema,
      response: {
        415: ErrorResponse(`The request's Content-Type is not ${JSON_TYPE}, or it has none`),
        ...(route.schema.response as object | undefined)
      }
    }
  })
}, { name: 'json-bodies' })
