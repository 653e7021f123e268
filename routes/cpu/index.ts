// GET /cpu?n=N counts the primes below N on the CPU pool's worker threads, leaving the event loop free; GET
// /cpu/blocking?n=N counts them inline, on the event loop, so that every other request waits meanwhile.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { timedCount } from '../../src/cpu/primes.ts'
import { PrimesResponse } from '../../src/cpu/schemas.ts'
import { ErrorResponse } from '../../src/http/schemas.ts'
import { queryNumber, refusals } from '../../src/http/parameters.ts'

const cpu: FastifyPluginAsyncTypebox = async (fastify) => {
  const { CPU_MAX_N } = fastify.config
  const expected = `an integer from 2 to ${CPU_MAX_N}`
  const n = queryNumber('n', { integer: true, min: 2, max: CPU_MAX_N, expected })
  const querystring = Type.Object({ n: n.schema })
  const badN = ErrorResponse(`?n is missing, or not ${expected}`)

  // '' and not '/': the folder's prefix alone is the path, /cpu without a twin /cpu/.
  fastify.get('', {
    schema: {
      tags: ['cpu'],
      summary: 'Counts the primes below ?n on a worker thread: the event loop stays free for other requests',
      querystring,
      response: {
        200: PrimesResponse,
        400: badN,
        503: ErrorResponse(
          "The CPU pool's queue is full, the service sheds load, or it is shutting down: retry after Retry-After"
        ),
        504: ErrorResponse("The request's deadline passed")
      }
    },
    schemaErrorFormatter: refusals({ n: n.refusal })
  }, async (request) => {
    const bound = n.read(request.query.n)
    return { n: bound, ...(await fastify.cpuPool.countPrimes(bound, request.cancellation)) }
  })

  fastify.get('/blocking', {
    schema: {
      tags: ['cpu'],
      summary: 'Counts the primes below ?n inline, on the event loop: every other request waits until it is done',
      querystring,
      response: { 200: PrimesResponse, 400: badN }
    },
    schemaErrorFormatter: refusals({ n: n.refusal })
  }, async (request) => {
    const bound = n.read(request.query.n)
    return { n: bound, ...timedCount(bound) }
  })
}

export default cpu
