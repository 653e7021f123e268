// request.cancellation: the handle that stops a request's work when its deadline passes (answered 504) or its client
// leaves. Made on first use, so a request that awaits nothing costs nothing; one timer wheel holds every deadline.
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Cancellation } from '../../src/cancellation.js'
import { DeadlineWheel } from '../../src/deadline-wheel.js'

/** How late a deadline may fire: the wheel's tick. */
const DEADLINE_TICK_MS = 50

/** Status for a request whose client left: nobody reads its answer (nginx's 499). */
const CLIENT_CLOSED_REQUEST = 499

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

/** A request's cancellation and the wheel slot of its deadline, once made. */
interface Tracked {
  cancellation: Cancellation
  slot: number
}

export default fp(async (fastify) => {
  const { REQUEST_DEADLINE_MS } = fastify.config
  const tracked = new WeakMap<FastifyRequest, Tracked>()
  const wheel = new DeadlineWheel<FastifyRequest>(DEADLINE_TICK_MS, (request) => {
    const entry = tracked.get(request)
    const deadlineMs = deadlineOf(request)
    entry?.cancellation.cancel(fastify.httpErrors.gatewayTimeout(`The request took longer than its deadline of ${deadlineMs} ms`))
  })
  function deadlineOf (request: FastifyRequest): number {
    return request.routeOptions.config.deadlineMs ?? REQUEST_DEADLINE_MS
  }

  fastify.decorateRequest('cancellation', {
    getter (this: FastifyRequest) {
      let entry = tracked.get(this)
      if (entry === undefined) {
        const deadlineMs = deadlineOf(this)
        const cancellation = new Cancellation()
        entry = { cancellation, slot: deadlineMs === 0 ? 0 : wheel.add(this, deadlineMs) }
        tracked.set(this, entry)
      }
      return entry.cancellation
    }
  })

  fastify.inFlight.onEnd((request, aborted) => {
    const entry = tracked.get(request)
    if (entry === undefined) return
    wheel.delete(request, entry.slot)
    if (aborted) entry.cancellation.cancel(fastify.httpErrors.createError(CLIENT_CLOSED_REQUEST, 'The client closed the connection'))
  })
}, { name: 'cancellation', dependencies: ['config', '@fastify/sensible', 'in-flight'] })
