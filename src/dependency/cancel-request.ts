// PostgreSQL's cancel request, as psql sends one on Ctrl-C: a connection of its own that asks the server to cancel
// what one backend is running, proven by the key the backend gave its client; no login, so neither the pool nor
// max_connections stands in its way. The server acts on it and closes the connection without a word.
import { connect } from 'node:net'

/** The protocol's code for a cancel request, in place of a version in the startup message. */
const CANCEL_REQUEST_CODE = 80_877_102

/** Where a backend's client is connected, and the backend's key, as node-postgres keeps them on its client. */
export interface Backend {
  host: string
  port: number
  processID: number
  secretKey: number
}

/**
 * Asks the server to cancel what `backend` is running; resolves once the server closed the request's connection (it
 * has then signalled the backend), rejects if it could not be sent within `timeoutMs`.
 */
export async function sendCancelRequest (backend: Backend, timeoutMs: number): Promise<void> {
  const message = Buffer.alloc(16)
  message.writeInt32BE(16, 0)
  message.writeInt32BE(CANCEL_REQUEST_CODE, 4)
  message.writeInt32BE(backend.processID, 8)
  message.writeInt32BE(backend.secretKey, 12)
  await new Promise<void>((resolve, reject) => {
    // A host that is a folder is where the server's Unix socket lies, as libpq and node-postgres read it.
    const socket = backend.host.startsWith('/')
      ? connect(`${backend.host}/.s.PGSQL.${backend.port}`)
      : connect(backend.port, backend.host)
    socket.setTimeout(timeoutMs, () => {
      socket.destroy(new Error(`the cancel request got no answer within ${timeoutMs} ms`))
    })
    socket.once('connect', () => { socket.end(message) })
    socket.once('error', reject)
    socket.once('close', (hadError) => { if (!hadError) resolve() })
    socket.resume()
  })
}
