// The requests in flight, and the end of each: answered, or abandoned by its client before its answer began.
import type { Socket } from 'node:net'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'

export interface InFlight {
  /** Requests received and neither answered nor abandoned. */
  readonly count: number
  /**
   * Calls `listener` as each request ends: answered (aborted false), when its answer is sent or, once the answer's head
   * is out, when its client leaves (an event stream it stops reading, a body cut short); or abandoned by its client
   * before that (aborted true, at once; its handler may still be running). A request answered by a hook before this
   * plugin's (load shed, rate limited) ends as answered too.
   */
  onEnd: (listener: (reply: FastifyReply, aborted: boolean) => void) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    inFlight: InFlight
  }
}

export default fp(async (fastify) => {
  // The request each connection is serving (a client sends the next once it has its answer), by its reply.
  const serving = new Map<Socket, FastifyReply>()
  const listeners: Array<(reply: FastifyReply, aborted: boolean) => void> = []
  const end = (reply: FastifyReply, aborted: boolean): void => {
    for (const listener of listeners) listener(reply, aborted)
  }

  // One 'close' listener per connection tells which request a client abandoned (Fastify's onRequestAbort adds a
  // listener to every request, a fifth of the cost of a small response).
  fastify.server.on('connection', (socket: Socket) => {
    socket.once('close', () => {
      const reply = serving.get(socket)
      if (reply === undefined) return
      serving.delete(socket)
      end(reply, !reply.raw.headersSent)
    })
  })

  fastify.addHook('onRequest', (request, reply, done) => {
    // A WebSocket upgrade (request.ws, from @fastify/websocket, registered before) is answered by the upgrade, and its
    // socket outlives it: neither in flight while the socket is open nor abandoned when it closes. Refused, it is
    // answered as any other request.
    if (!request.ws) serving.set(request.raw.socket, reply)
    done()
  })
  // Never runs for a request abandoned first: its answer, if the handler still sends one, goes nowhere.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (serving.get(request.raw.socket) === reply) serving.delete(request.raw.socket)
    end(reply, false)
    done()
  })

  fastify.decorate('inFlight', {
    get count () { return serving.size },
    onEnd: (listener) => { listeners.push(listener) }
  } satisfies InFlight)
}, { name: 'in-flight' })
