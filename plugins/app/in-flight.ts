// The requests in flight: the start of each, and its end: answered, or abandoned by its client before its answer
// began. The app's one onRequest and one onResponse hook: what every request needs done as it starts (the refusal of a
// request without Host) or ends (its access line, metrics and span) listens here.
import type { Socket } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface InFlight {
  /** Requests received and neither answered nor abandoned. */
  readonly count: number
  /**
   * Calls `listener` as each request starts, after the plugins registered before this one have seen it and before its
   * route's hooks; an error it returns refuses the request (answered as the error, and ended as answered).
   */
  onStart: (listener: (request: FastifyRequest) => Error | undefined) => void
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
  const starters: Array<(request: FastifyRequest) => Error | undefined> = []
  const enders: Array<(reply: FastifyReply, aborted: boolean) => void> = []
  const end = (reply: FastifyReply, aborted: boolean): void => {
    for (const listener of enders) listener(reply, aborted)
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
    for (const listener of starters) {
      const refusal = listener(request)
      if (refusal !== undefined) {
        done(refusal)
        return
      }
    }
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
    onStart: (listener) => { starters.push(listener) },
    onEnd: (listener) => { enders.push(listener) }
  } satisfies InFlight)
}, { name: 'in-flight' })
