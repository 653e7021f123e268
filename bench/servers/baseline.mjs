// The baseline: bare Fastify with the seed's three routes, no plugins, logger off: the framework's ceiling.
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'

const HTML = 'text/html; charset=utf-8'
const fastify = Fastify({ logger: false })

fastify.get('/', async (request, reply) => {
  await sleep(1000)
  return reply.type(HTML).send('Hello from async Flask!')
})
fastify.get('/wait', async (request, reply) => {
  await sleep(2000)
  return reply.type(HTML).send('Waited 2 seconds!')
})
fastify.get('/sync', (request, reply) => {
  reply.type(HTML).send('This is a normal sync route.')
})

process.once('SIGTERM', () => fastify.close())
// Fastify's defaults, the listen backlog too (Node's 511): what a user of bare Fastify gets.
await fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
