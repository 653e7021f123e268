// @fastify/under-pressure: past a threshold from config (event-loop delay or utilization, heap, RSS), requests get
// 503 with Retry-After instead of queueing; /ready reports it, /health does not (routes/health/index.ts).
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'

export const autoConfig = (fastify: FastifyInstance): FastifyUnderPressureOptions => ({
  // Each threshold at 0 is not checked.
  maxEventLoopDelay: fastify.config.MAX_EVENT_LOOP_DELAY_MS,
  maxEventLoopUtilization: fastify.config.MAX_EVENT_LOOP_UTILIZATION,
  maxHeapUsedBytes: fastify.config.MAX_HEAP_USED_BYTES,
  maxRssBytes: fastify.config.MAX_RSS_BYTES
})

export default underPressure
