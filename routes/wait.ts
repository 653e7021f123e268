// GET /wait[?seconds=N]: awaits the slow dependency for N seconds (WAIT_DELAY_MS without N), then says how long.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

// Plain decimals only. A number schema would let Ajv's coercion through with "Infinity" (it skips the range
// checks on what it coerced to a non-finite value), and with "0x10", " 2 " or "1e1".
const DECIMAL = '^\\d+(\\.\\d+)?$'

const wait: FastifyPluginAsyncTypebox = async (fastify) => {
  const { WAIT_DELAY_MS, MAX_WAIT_SECONDS } = fastify.config
  const Query = Type.Object({
    seconds: Type.Optional(Type.String({ pattern: DECIMAL, description: `seconds to wait, a decimal from 0 to ${MAX_WAIT_SECONDS}` }))
  })

  fastify.get('/wait', { schema: { querystring: Query } }, async (request, reply) => {
    const given = request.query.seconds
    const seconds = given === undefined ? WAIT_DELAY_MS / 1000 : Number(given)
    if (given !== undefined && seconds > MAX_WAIT_SECONDS) {
      throw fastify.httpErrors.badRequest(`querystring/seconds must be <= ${MAX_WAIT_SECONDS}`)
    }
    await fastify.dependency.call(seconds * 1000)
    return reply.html(`Waited ${seconds} seconds!`)
  })
}

export default wait
