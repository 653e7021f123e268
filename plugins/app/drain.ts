// While the app closes, responses tell keep-alive clients to close their connection, so idle sockets don't hold the shutdown open.
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  let closing = false
  fastify.addHook('preClose', async () => {
    closing = true
  })
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'drain' })
