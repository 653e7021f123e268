// @fastify/under-pressure: past a threshold from config (event-loop delay or utilization, heap, RSS), requests get
// 503 with Retry-After instead of queueing; /ready reports it, /health does not (routes/health/index.ts).
import underPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  await fastify.register(underPressure, {
    // Each threshold at 0 is not checked.
    maxEventLoopDelay: fastify.config.MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: fastify.config.MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: fastify.config.MAX_HEAP_USED_BYTES,
    maxRssBytes: fastify.config.MAX_RSS_BYTES
  })
  // After @fastify/websocket, whose onRequest hook must see an upgrade before a 503 answers it: its onResponse hook
  // then closes the connection, which would otherwise stay open for ever (Node gives an upgrade's socket away).
}, { name: 'under-pressure', dependencies: ['config', '@fastify/websocket'] })
