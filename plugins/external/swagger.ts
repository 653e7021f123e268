// @fastify/swagger: the OpenAPI 3 document, built from the routes' typebox schemas (served at /docs/json).
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { withErrorExamples } from '../../src/http/schemas.ts'

export const autoConfig: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'async-service',
      description: "The seed's async Flask app on Fastify 5: async handlers awaiting a slow dependency, fan-out, " +
        'CPU work on worker threads, background tasks, probes and metrics',
      version: '0.1.0'
    },
    tags: [
      { name: 'seed', description: "The seed's three routes, answering as the Flask app does" },
      { name: 'async', description: 'Many dependency calls at once or one after another' },
      { name: 'cpu', description: 'CPU work, on a worker-thread pool or inline on the event loop' },
      { name: 'tasks', description: 'Background tasks: accepted at once, done later, polled' },
      { name: 'chat', description: 'A chat room over a WebSocket' },
      { name: 'probes', description: 'Liveness and readiness, for the orchestrator and the load balancer' },
      { name: 'observability', description: 'Metrics for a Prometheus scraper' },
      { name: 'live', description: 'The live feed: updates as they happen, as Server-Sent Events' },
      { name: 'pages', description: 'Pages for people: the live feed and the chat in a browser' }
    ]
  },
  transform: ({ schema, url }) => ({
    url,
    schema: schema?.response === undefined
      ? schema
      : { ...schema, response: withErrorExamples(schema.response as Parameters<typeof withErrorExamples>[0]) }
  })
}

export default swagger
