// The timeouts from config take effect on a real socket: REQUEST_TIMEOUT_MS and KEEP_ALIVE_TIMEOUT_MS.
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { build } from '../helper.js'

// Each test waits on a socket for a timeout to pass: room for a busy machine.
t.setTimeout(120_000)

/** Opens a raw connection to `port`, writes `text`, and resolves when the server closes it: what it sent, and when. */
async function rawExchange (port: number, text: string): Promise<{ received: string, closedAfterMs: number }> {
  return await new Promise((resolve, reject) => {
    const started = performance.now()
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
    socket.on('error', reject)
    socket.on('close', () => { resolve({ received, closedAfterMs: performance.now() - started }) })
  })
}

async function listeningApp (t: Test, env: Record<string, string>): Promise<number> {
  const fastify = await build(t, { env })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  return (fastify.server.address() as AddressInfo).port
}

t.test('a request not sent whole within REQUEST_TIMEOUT_MS is answered 408 and its connection closed, soon after', async (t) => {
  const port = await listeningApp(t, { REQUEST_TIMEOUT_MS: '300' })
  const { received, closedAfterMs } = await rawExchange(port, 'GET /sync HTTP/1.1\r\nHost: localhost\r\n')
  t.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/)
  t.ok(closedAfterMs >= 290 && closedAfterMs < 5000, `closed after the timeout, not Node's 30 s check (${Math.round(closedAfterMs)} ms)`)
})

t.test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS, which answers announce', async (t) => {
  const port = await listeningApp(t, { KEEP_ALIVE_TIMEOUT_MS: '300' })
  const { received, closedAfterMs } = await rawExchange(port, 'GET /sync HTTP/1.1\r\nHost: localhost\r\n\r\n')
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(received, /\r\nkeep-alive: timeout=0\r\n/i, 'announced in whole seconds, rounded down')
  t.ok(closedAfterMs >= 290 && closedAfterMs < 5000, `closed once idle for the timeout (${Math.round(closedAfterMs)} ms)`)
})

t.test('the default keep-alive timeout of 72 s is announced to clients', async (t) => {
  const port = await listeningApp(t, {})
  const response = await fetch(`http://127.0.0.1:${port}/sync`)
  await response.text()
  t.equal(response.headers.get('keep-alive'), 'timeout=72')
})
