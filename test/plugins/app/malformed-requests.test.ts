// Requests refused before any route, on a real socket: HTTP/1.1 without Host, and CONNECT; each a JSON error with a
// request id, as every other answer.
import { connect, type AddressInfo } from 'node:net'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { readUntilClosed } from '../../helpers/sockets.ts'

/** Sends `request` on a new connection to the app and reads until the service closes it (or, at most, 5 s). */
async function exchange (port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1', () => socket.write(request))
  const received = readUntilClosed(socket)
  const timer = setTimeout(() => socket.end(), 5000)
  try {
    return await received
  } finally {
    clearTimeout(timer)
  }
}

/** The status line, the x-request-id and the JSON body of `received`. */
function answer (received: string): { status: string, requestId: string | undefined, body: unknown } {
  const [head = '', body = ''] = received.split('\r\n\r\n')
  return {
    status: head.split('\r\n')[0] as string,
    requestId: /^x-request-id: (.+)$/im.exec(head)?.[1],
    body: JSON.parse(body)
  }
}

/** The app listening on a port of its own: the port. */
async function listeningApp (t: Parameters<typeof build>[0]): Promise<number> {
  const fastify = await build(t)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return (fastify.server.address() as AddressInfo).port
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('an HTTP/1.1 request without Host is 400 JSON saying so; HTTP/1.0 needs none', async (t) => {
  const port = await listeningApp(t)
  const refused = answer(await exchange(port, 'GET /sync HTTP/1.1\r\nConnection: close\r\n\r\n'))
  t.equal(refused.status, 'HTTP/1.1 400 Bad Request')
  t.match(refused.requestId, UUID)
  t.same(refused.body,
    { statusCode: 400, error: 'Bad Request', message: 'An HTTP/1.1 request must have a Host header' })
  t.match(await exchange(port, 'GET /sync HTTP/1.0\r\n\r\n'),
    /^HTTP\/1\.1 200 OK\r\n[\s\S]*This is a normal sync route\.$/)
})

t.test('CONNECT is 501 JSON: the service makes no tunnels', async (t) => {
  const port = await listeningApp(t)
  const refused = answer(await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'))
  t.equal(refused.status, 'HTTP/1.1 501 Not Implemented')
  t.match(refused.requestId, UUID)
  t.same(refused.body,
    { statusCode: 501, error: 'Not Implemented', message: 'CONNECT is not served: this service makes no tunnels' })
})
