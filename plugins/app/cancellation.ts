// request.cancellation: the handle that stops a request's work when its deadline passes (answered 504) or its client
// leaves. Made on first use, so a request that awaits nothing costs nothing; one timer wheel holds every deadline.
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Cancellation } from '../../src/http/cancellation.ts'
import { DeadlineWheel } from '../../src/http/deadline-wheel.ts'
import { clientClosed } from '../../src/http/errors.ts'

/** How late a deadline may fire: the wheel's tick. */
const DEADLINE_TICK_MS = 50

declare module 'fastify' {
  interface FastifyRequest {
    /** Stops this request's work: pass it to every call that waits (dependency calls, CPU tasks). */
    readonly cancellation: Cancellation
  }
  interface FastifyContextConfig {
    /** This route's deadline in ms, shorter than REQUEST_DEADLINE_MS. */
    deadlineMs?: number
  }
}

/** A request's cancellation, with the wheel slot of its deadline: one object per request that waits. */
class RequestCancellation extends Cancellation {
  readonly slot: number

  constructor (slot: number, deadline: number | undefined) {
    super(deadline)
    this.slot = slot
  }
}

/** Where a request keeps its cancellation: a field every request has from the start (null until used). */
const kCancellation = Symbol('cancellation')
type TrackedRequest = FastifyRequest & { [kCancellation]: RequestCancellation | null }

export default fp(async (fastify) => {
  const { REQUEST_DEADLINE_MS } = fastify.config
  const deadlineOf = (request: FastifyRequest): number => request.routeOptions.config.deadlineMs ?? REQUEST_DEADLINE_MS
  const wheel = new DeadlineWheel<TrackedRequest>(DEADLINE_TICK_MS, (request) => {
    request[kCancellation]?.cancel(
      fastify.httpErrors.gatewayTimeout(`The request took longer than its deadline of ${deadlineOf(request)} ms`)
    )
  })
  // One reason for every client that leaves: nobody reads it, and a stack per abandoned request is work for nothing.
  const clientLeft = clientClosed('The client closed the connection')

  fastify.decorateRequest(kCancellation, null)
  fastify.decorateRequest('cancellation', {
    getter () {
      const request = this as TrackedRequest
      if (request[kCancellation] === null) {
        const deadlineMs = deadlineOf(request)
        request[kCancellation] = deadlineMs === 0
          ? new RequestCancellation(0, undefined)
          : new RequestCancellation(wheel.add(request, deadlineMs), performance.now() + deadlineMs)
      }
      return request[kCancellation]
    }
  })

  fastify.inFlight.onEnd((reply, aborted) => {
    const request = reply.request as TrackedRequest
    const cancellation = request[kCancellation]
    if (cancellation === null) return
    wheel.delete(request, cancellation.slot)
    if (aborted) cancellation.cancel(clientLeft)
  })
}, { name: 'cancellation', dependencies: ['config', '@fastify/sensible', 'in-flight'] })
