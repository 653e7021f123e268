// Raw sockets, for the tests that need what inject cannot show: connections opened, idle or closed by the server.
import type { Socket } from 'node:net'

/** Everything `socket` receives until it closes; a reset ends it as a close does. */
export async function readUntilClosed (socket: Socket): Promise<string> {
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  // Not events.once, which would reject on the reset's 'error'.
  await new Promise((resolve) => socket.once('close', resolve))
  return received
}
