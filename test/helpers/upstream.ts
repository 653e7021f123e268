// Real upstreams for the dependency's tests: an instance of this service, a server that answers as a test says, an
// origin with nothing listening; each watched from the server's side (what it was asked, requests at once,
// connections). And what the tests of any dependency wait for and check: a condition, the pool's 503.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout } from 'node:timers/promises'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { build } from './app.ts'

/** What an upstream saw. */
export interface Seen {
  origin: string
  /** The URLs it was asked for, in order. */
  urls: string[]
  /** Requests it is answering now, and the most at once. */
  concurrent: number
  maxConcurrent: number
  /** Connections it accepted, and those still open. */
  connections: number
  open: Set<Socket>
}

function watch (server: Server): Seen {
  const seen: Seen = { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, urls: [], concurrent: 0, maxConcurrent: 0, connections: 0, open: new Set() }
  server.on('connection', (socket: Socket) => {
    seen.connections++
    seen.open.add(socket)
    socket.once('close', () => seen.open.delete(socket))
  })
  server.on('request', (request, response) => {
    seen.urls.push(request.url ?? '')
    seen.maxConcurrent = Math.max(seen.maxConcurrent, ++seen.concurrent)
    response.once('close', () => { seen.concurrent-- })
  })
  return seen
}

/** An instance of this service, listening, as the upstream. */
export async function upstream (t: Test, env: Record<string, string> = {}): Promise<Seen & { app: FastifyInstance }> {
  const app = await build(t, { env })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return Object.assign(watch(app.server), { app })
}

/** A server that answers as `handler` says: the failures an upstream can have. */
export async function serve (t: Test, handler: RequestListener): Promise<Seen> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return watch(server)
}

/** An origin where nothing listens: connecting is refused. */
export async function nothingListening (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** Waits until `condition` holds; fails after `ms`. Resolves with how long it took. */
export async function until (condition: () => boolean, ms = 5000): Promise<number> {
  const started = performance.now()
  while (!condition()) {
    if (performance.now() - started > ms) throw new Error(`not so within ${ms} ms`)
    await setTimeout(5)
  }
  return performance.now() - started
}

/** Checks that `response` is the 503 of a call that found no connection to the dependency free within `ms`. */
export function assertPoolBusy (t: Test, response: LightMyRequestResponse, ms: number): void {
  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '1')
  t.same(response.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    message: `The dependency is busy: no connection to the dependency was free within ${ms} ms`
  })
}
