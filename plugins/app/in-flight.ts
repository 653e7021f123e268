// The requests in flight, tracked per connection: one 'close' listener per connection tells which request a client
// abandoned. Fastify's onRequestAbort adds a listener to every request instead, a fifth of the cost of a small response.
import type { Socket } from 'node:net'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface InFlight {
  /** Requests received and neither answered nor abandoned. */
  readonly count: number
  /** Calls `listener` with each request that ends: answered (aborted false), or abandoned by its client first. */
  onEnd: (listener: (request: FastifyRequest, aborted: boolean) => void) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    inFlight: InFlight
  }
}

export default fp(async (fastify) => {
  // The request each connection is serving (HTTP/1.1 serves one at a time per connection).
  const serving = new Map<Socket, FastifyRequest>()
  const listeners: Array<(request: FastifyRequest, aborted: boolean) => void> = []
  const end = (request: FastifyRequest, aborted: boolean): void => {
    for (const listener of listeners) listener(request, aborted)
  }

  fastify.server.on('connection', (socket: Socket) => {
    socket.once('close', () => {
      const request = serving.get(socket)
      if (request === undefined) return
      serving.delete(socket)
      end(request, true)
    })
  })

  fastify.addHook('onRequest', (request, reply, done) => {
    serving.set(request.raw.socket, request)
    done()
  })
  fastify.addHook('onResponse', (request, reply, done) => {
    // Answered after its client left: it ended when the connection closed.
    if (serving.delete(request.raw.socket)) end(request, false)
    done()
  })

  fastify.decorate('inFlight', {
    get count () { return serving.size },
    onEnd: (listener) => { listeners.push(listener) }
  } satisfies InFlight)
}, { name: 'in-flight' })
