// GET /wait[?seconds=N]: awaits the slow dependency for N seconds (WAIT_DELAY_MS without N), then says how long.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DependencyErrors, ErrorResponse } from '../../src/http/schemas.ts'
import { HtmlResponse } from '../../src/http/text-answers.ts'
import { queryNumber, refusals } from '../../src/http/parameters.ts'

const wait: FastifyPluginAsyncTypebox = async (fastify) => {
  const { WAIT_DELAY_MS, MAX_WAIT_SECONDS } = fastify.config
  const expected = `a decimal number of seconds from 0 to ${MAX_WAIT_SECONDS}`
  const seconds = queryNumber('seconds', { integer: false, min: 0, max: MAX_WAIT_SECONDS, expected })

  fastify.get('', {
    schema: {
      tags: ['seed'],
      summary: `Awaits the slow dependency for ?seconds (${WAIT_DELAY_MS / 1000} s without it), then says how long`,
      querystring: Type.Object({ seconds: Type.Optional(seconds.schema) }),
      response: {
        200: HtmlResponse('Waited N seconds!'),
        400: ErrorResponse(`?seconds is not ${expected}`),
        ...DependencyErrors
      }
    },
    schemaErrorFormatter: refusals({ seconds: seconds.refusal })
  }, async (request, reply) => {
    const given = request.query.seconds
    const waitSeconds = given === undefined ? WAIT_DELAY_MS / 1000 : seconds.read(given)
    await fastify.dependency.call({ latencyMs: waitSeconds * 1000 }, request.cancellation)
    return reply.html(`Waited ${waitSeconds} seconds!`)
  })
}

export default wait
