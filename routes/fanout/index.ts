// GET /fanout?calls=N&mode=parallel|sequential: N dependency calls of ROOT_DELAY_MS, all at once or one after another,
// each call's outcome and time in the answer, so that what parallel gains shows.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DependencyErrors, ErrorResponse } from '../../src/http/schemas.ts'
import { FanoutMode, FanoutResult } from '../../src/fanout/schemas.ts'
import { queryNumber, refusals } from '../../src/http/parameters.ts'

/** Milliseconds to the tenth, enough to read and short to write. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10

interface CallResult {
  ok: boolean
  ms: number
  error?: string
}

const fanout: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ROOT_DELAY_MS, FANOUT_MAX_CALLS } = fastify.config
  const expected = `an integer from 1 to ${FANOUT_MAX_CALLS}`
  const callsParameter = queryNumber('calls', { integer: true, min: 1, max: FANOUT_MAX_CALLS, expected })

  fastify.get('', {
    schema: {
      tags: ['async'],
      summary: `Makes ?calls dependency calls of ${ROOT_DELAY_MS} ms, all at once (mode=parallel, the default) ` +
        'or one after another',
      querystring: Type.Object({
        calls: callsParameter.schema,
        mode: Type.Optional(FanoutMode)
      }),
      response: {
        200: FanoutResult,
        400: ErrorResponse(`?calls is not ${expected}, or ?mode is neither parallel nor sequential`),
        ...DependencyErrors,
        502: ErrorResponse('Every call failed')
      }
    },
    schemaErrorFormatter: refusals({
      calls: callsParameter.refusal,
      mode: 'querystring/mode must be parallel or sequential'
    })
  }, async (request) => {
    const count = callsParameter.read(request.query.calls)
    const mode = request.query.mode ?? 'parallel'
    const { cancellation } = request

    async function timedCall (): Promise<CallResult> {
      const startedAt = performance.now()
      try {
        await fastify.dependency.call({ latencyMs: ROOT_DELAY_MS }, cancellation)
        return { ok: true, ms: tenths(performance.now() - startedAt) }
      } catch (error) {
        // Past the deadline, or the client gone: the whole request ends, with that reason.
        if (cancellation.reason !== undefined) throw cancellation.reason
        return { ok: false, ms: tenths(performance.now() - startedAt), error: (error as Error).message }
      }
    }

    const startedAt = performance.now()
    let calls: CallResult[]
    if (mode === 'parallel') {
      calls = await Promise.all(Array.from({ length: count }, timedCall))
    } else {
      calls = []
      for (let call = 0; call < count; call++) calls.push(await timedCall())
    }
    const elapsedMs = tenths(performance.now() - startedAt)
    if (calls.every((call) => !call.ok)) {
      throw fastify.httpErrors.badGateway(`All ${count} dependency calls failed: ${calls[0]?.error}`)
    }
    return { mode, calls, elapsedMs, sumMs: tenths(calls.reduce((sum, call) => sum + call.ms, 0)) }
  })
}

export default fanout
