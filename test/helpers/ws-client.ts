// A WebSocket client for the tests, over the ws package: frames read as JSON in the order they came, waited for one at
// a time; how the socket closed; and an upgrade the server refused, with its HTTP answer.
import { once } from 'node:events'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import WebSocket, { type ClientOptions } from 'ws'

export interface Closed {
  code: number
  reason: string
}

export class ChatClient {
  readonly #frames: unknown[] = []
  readonly #waiting: Array<{ resolve: (frame: any) => void, reject: (error: Error) => void }> = []
  /** How the socket closed, once it has: the code and reason the server sent (1006 when it sent none). */
  readonly closed: Promise<Closed>

  readonly socket: WebSocket

  private constructor (socket: WebSocket) {
    this.socket = socket
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8'))
      const waiter = this.#waiting.shift()
      if (waiter === undefined) this.#frames.push(frame)
      else waiter.resolve(frame)
    })
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        for (const waiter of this.#waiting.splice(0)) {
          waiter.reject(new Error(`closed (${code} ${reason.toString()}) while a frame was awaited`))
        }
        resolve({ code, reason: reason.toString() })
      })
    })
  }

  /** A client connected to `url` (ws://host:port/path?query). */
  static async connect (url: string, options?: ClientOptions): Promise<ChatClient> {
    const client = new ChatClient(new WebSocket(url, options))
    await once(client.socket, 'open')
    return client
  }

  /** The next frame received, parsed; rejects if the socket closes first. */
  async next (): Promise<any> {
    if (this.#frames.length > 0) return this.#frames.shift()
    if (this.socket.readyState === WebSocket.CLOSED) throw new Error('closed while a frame was awaited')
    return await new Promise((resolve, reject) => { this.#waiting.push({ resolve, reject }) })
  }

  /** Sends `frame` as JSON text. */
  send (frame: unknown): void {
    this.socket.send(JSON.stringify(frame))
  }

  /** Resolves once the server answers a ping: it still reads this socket. Rejects if the socket closes first. */
  async ping (): Promise<void> {
    this.socket.ping()
    await Promise.race([
      once(this.socket, 'pong'),
      this.closed.then(({ code, reason }) => { throw new Error(`closed (${code} ${reason}) before the pong`) })
    ])
  }

  /** Closes from the client's side, and waits until the socket is closed. */
  async close (): Promise<Closed> {
    this.socket.close()
    return await this.closed
  }
}

export interface Refused {
  statusCode: number | undefined
  headers: IncomingHttpHeaders
  body: string
}

/**
 * The HTTP answer to an upgrade the server refuses, its connection closed once read (with `keepOpen`, left for the
 * server to close); rejects if the server accepts it instead.
 */
export async function refusedUpgrade (url: string, { keepOpen = false } = {}): Promise<Refused> {
  const socket = new WebSocket(url)
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    socket.on('unexpected-response', (request, response) => { resolve(response) })
    socket.on('open', () => { socket.terminate(); reject(new Error('the upgrade was accepted')) })
    socket.on('error', reject)
  })
  // With a listener for it, ws leaves a refused upgrade's connection to its user.
  const connection = response.socket
  let body = ''
  for await (const chunk of response.setEncoding('utf8')) body += chunk
  if (!keepOpen) connection.destroy()
  return { statusCode: response.statusCode, headers: response.headers, body }
}

/** The presence frame of `name`'s join alone, `online` after it, from a room whose presence frames go at once. */
export function joinedFrame (name: string, online: number): Record<string, unknown> {
  return { type: 'presence', joined: [name], joinedCount: 1, left: [], leftCount: 0, online }
}

/** The presence frame of `name`'s leave alone, `online` after it. */
export function leftFrame (name: string, online: number): Record<string, unknown> {
  return { type: 'presence', joined: [], joinedCount: 0, left: [name], leftCount: 1, online }
}
