// The chat's baseline: bare Fastify and @fastify/websocket, a room (GET /chat) that sends each frame to every socket.
import websocket from '@fastify/websocket'
import Fastify from 'fastify'

const HTML = 'text/html; charset=utf-8'
const fastify = Fastify({ logger: false })
await fastify.register(websocket)

// As ws's own README broadcasts; no history, no joins.
fastify.get('/chat', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of fastify.websocketServer.clients) {
      if (client.readyState === client.OPEN) client.send(data, { binary: isBinary })
    }
  })
})
// The seed's /sync, by which the harness knows the server is up.
fastify.get('/sync', (request, reply) => {
  reply.type(HTML).send('This is a normal sync route.')
})

process.once('SIGTERM', () => fastify.close())
await fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
