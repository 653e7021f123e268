// PostgreSQL's cancel request, against servers that stand in for the postmaster: the 16 bytes the protocol names, over
// TCP or a Unix socket, and the ways it fails.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { sendCancelRequest } from '../../../src/dependency/cancel-request.ts'
import { rejection } from '../../helpers/settled.ts'

/** A server on `where` (a port, 0 for a free one, or a Unix socket's path) that hands each connection to `handle`. */
async function listening (t: Test, where: number | string, handle: (socket: Socket) => void): Promise<Server> {
  const server = createServer(handle)
  await new Promise<void>((resolve) => {
    if (typeof where === 'number') server.listen(where, '127.0.0.1', resolve)
    else server.listen(where, resolve)
  })
  t.teardown(() => { server.close() })
  return server
}

/** A server that reads what it is sent and closes, as the postmaster does with a cancel request; what it read. */
async function postmaster (t: Test, where: number | string): Promise<{ server: Server, received: Buffer[] }> {
  const received: Buffer[] = []
  const server = await listening(t, where, (socket) => {
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => {
      received.push(Buffer.concat(chunks))
      socket.end()
    })
  })
  return { server, received }
}

/** The cancel request for backend 4242 with key -7, as the protocol writes it. */
const EXPECTED = Buffer.from([0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 16, 146, 255, 255, 255, 249])

t.test('over TCP: its length, the cancel code 80877102, the backend and its key, then the end', async (t) => {
  const { server, received } = await postmaster(t, 0)
  const { port } = server.address() as { port: number }
  await sendCancelRequest({ host: '127.0.0.1', port, processID: 4242, secretKey: -7 }, 1000)
  t.same(received, [EXPECTED])
})

t.test('to a host that is a folder: the Unix socket there, named as PostgreSQL names it', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cancel-request-'))
  t.teardown(() => { rmSync(folder, { recursive: true, force: true }) })
  const { received } = await postmaster(t, join(folder, '.s.PGSQL.5433'))
  await sendCancelRequest({ host: folder, port: 5433, processID: 4242, secretKey: -7 }, 1000)
  t.same(received, [EXPECTED])
})

t.test('nothing listening: it rejects with the connection\'s error', async (t) => {
  const server = await listening(t, 0, () => {})
  const { port } = server.address() as { port: number }
  server.close()
  t.match(await rejection(sendCancelRequest({ host: '127.0.0.1', port, processID: 1, secretKey: 1 }, 1000)),
    { code: 'ECONNREFUSED' })
})

t.test('a server that never closes: it rejects once the time is up', async (t) => {
  const held: Socket[] = []
  const server = await listening(t, 0, (socket) => { held.push(socket) })
  t.teardown(() => { for (const socket of held) socket.destroy() })
  const { port } = server.address() as { port: number }
  t.match(await rejection(sendCancelRequest({ host: '127.0.0.1', port, processID: 1, secretKey: 1 }, 200)),
    { message: 'the cancel request got no answer within 200 ms' })
})
