// A load generator of raw sockets, run in a process of its own: opens `count` connections, sends one GET on each, and
// holds them unanswered until told (SIGUSR2) to close them all at once, as clients that give up do.
// Run by bench/lib/disconnects.ts (and by hand: node bench/clients/hold-and-leave.ts <port> <path> <count>).
// Plain Node: its types are only stripped, so that nothing but node:net weighs on the CPU it is pinned to.
import { connect, type Socket } from 'node:net'

/** Connections being opened at once: past the listen backlog, the kernel drops SYNs, and a dropped SYN waits 1 s. */
const OPENING_AT_ONCE = 500

const [port, path, count] = [Number(process.argv[2]), process.argv[3] ?? '/', Number(process.argv[4])]
if (!Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
  console.error('usage: hold-and-leave.ts <port> <path> <count>')
  process.exit(2)
}

const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`
const sockets = new Set<Socket>()
let failed = 0
/** Connections that got an answer (or part of one) while they were to be held: the server did not hold them. */
let answered = 0
/** Connections the server closed while they were held. */
let closedByServer = 0
let leaving = false
const started = performance.now()

/** Prints one JSON line for the harness. */
const report = (what: Record<string, number | string>): void => { process.stdout.write(JSON.stringify(what) + '\n') }

/** Opens one connection and sends its request; resolves once it is sent, or once the connection failed. */
async function open (): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.setNoDelay(true)
    socket.once('connect', () => {
      sockets.add(socket)
      socket.write(request, () => { resolve() })
    })
    socket.once('data', () => { answered++ })
    socket.resume()
    socket.once('error', () => {
      if (!sockets.has(socket)) failed++
      resolve()
    })
    socket.once('close', () => {
      if (sockets.delete(socket) && !leaving) closedByServer++
    })
  })
}

let next = 0
await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, async () => {
  while (next < count) {
    next++
    await open()
  }
}))
report({ opened: sockets.size, failed, answered, closedByServer, ms: Math.round(performance.now() - started) })

// The harness says when to leave (and stops this process outright if it ends first).
await new Promise<void>((resolve) => { process.once('SIGUSR2', () => { resolve() }) })
leaving = true
const held = [...sockets]
const leftAt = performance.now()
await Promise.all(held.map(async (socket) => {
  await new Promise<void>((resolve) => {
    socket.once('close', () => { resolve() })
    socket.destroy()
  })
}))
report({ left: held.length, answered, closedByServer, ms: Math.round(performance.now() - leftAt) })
process.exit(0)
