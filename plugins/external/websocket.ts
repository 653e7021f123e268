// @fastify/websocket: ws's limits from config; a socket's error logged and the socket closed with a code that says why;
// at the close, every socket told the service is stopping (1001) rather than the plugin's bare close (1005).
import websocket, { type WebsocketPluginOptions } from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import { maxFrameBytes } from '../../src/chat/client-frames.ts'
import { CloseCode, SERVER_STOPPING } from '../../src/chat/close-codes.ts'

/** How long a peer has to answer a close before its socket is destroyed (ws's own default is 30 s). */
const CLOSE_TIMEOUT_MS = 2000

/** ws's own errors (codes WS_ERR_*): a frame that broke the protocol, such as invalid UTF-8 or one over maxPayload. */
function isProtocolError (error: Error): boolean {
  return (error as NodeJS.ErrnoException).code?.startsWith('WS_ERR_') === true
}

export const autoConfig = (fastify: FastifyInstance): WebsocketPluginOptions => {
  // ws takes closeTimeout; its types do not list it yet.
  const options: WebsocketPluginOptions['options'] & { closeTimeout: number } = {
    // The chat closes a frame over its own limit itself, with 1009 and a reason; ws closes one over twice that without
    // reading it (with 1009 and no reason), so that a client cannot make the service buffer more.
    maxPayload: 2 * maxFrameBytes(fastify.config.CHAT_MAX_MESSAGE_BYTES),
    closeTimeout: CLOSE_TIMEOUT_MS
  }
  return {
    options,
    errorHandler (error, socket, request) {
      // ws has closed the socket already, with the code that says why: the client's fault, as a 400 is.
      if (isProtocolError(error)) {
        request.log.debug({ err: error }, 'websocket closed: the client broke the protocol')
        return
      }
      // The route's handler failed: a bug, as a 500 is.
      request.log.error({ err: error }, 'websocket handler failed')
      socket.close(CloseCode.INTERNAL_ERROR, 'internal error')
    },
    // Runs before the app's own close hooks (this plugin is registered first). The server's close, which comes after,
    // waits for every connection, these sockets included: each has CLOSE_TIMEOUT_MS to finish its closing handshake.
    preClose (done) {
      for (const socket of this.websocketServer.clients) socket.close(CloseCode.GOING_AWAY, SERVER_STOPPING)
      this.websocketServer.close()
      done()
    }
  }
}

export default websocket
