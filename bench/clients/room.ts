// What the chat clients of the benchmarks share: a socket joining GET /chat (in the room once its history came, or
// in a plain room, which greets no one, once open; refused with its status; or failed), sockets opened a hundred at a
// time, the frames they read, and the JSON line a client reports. Its types only stripped.
import WebSocket from 'ws'

/** Sockets opening at once: a burst of a thousand handshakes would make them queue. */
export const OPENING_AT_ONCE = 100

/** The frames the room sends, as far as these clients read them. */
export type Frame =
  | { type: 'history' | 'presence', online: number }
  | { type: 'message', text: string }
  | { type: 'error', message: string }

export interface Member {
  name: string
  socket: WebSocket
  /** Sockets in the room, as its history or its last presence frame said. */
  online: number
}

/** How a join ended: in the room, refused with an HTTP status, or failed (no answer, or closed before its history). */
export type Joined = { member: Member } | { refused: number } | { failed: string }

export interface Room {
  port: number
  /** A room that greets no one (the baseline's): a socket is in it once open. */
  plain: boolean
  /** Each frame a member gets once in the room (its history aside), as it arrives: when, by performance.now(). */
  read: (member: Member, frame: Frame, receivedAt: number) => void
  /** A member the server closed. */
  closed: (member: Member) => void
  /** How long a join may take. */
  timeoutMs: number
}

/** Joins one socket as `name`. */
export async function join (room: Room, name: string): Promise<Joined> {
  return await new Promise<Joined>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${room.port}/chat?name=${name}`, {
      perMessageDeflate: false,
      handshakeTimeout: room.timeoutMs
    })
    const member: Member = { name, socket, online: 0 }
    let inRoom = false
    const entered = (): void => {
      inRoom = true
      resolve({ member })
    }
    if (room.plain) socket.once('open', entered)
    socket.on('message', (data: Buffer) => {
      const receivedAt = performance.now()
      const frame = JSON.parse(data.toString('utf8')) as Frame
      if (frame.type === 'history') {
        member.online = frame.online
        entered()
      } else {
        room.read(member, frame, receivedAt)
      }
    })
    // With a listener, ws leaves a refused upgrade's connection to its user.
    socket.once('unexpected-response', (request, response) => {
      response.socket.destroy()
      resolve({ refused: response.statusCode ?? 0 })
    })
    // Its 'close' follows.
    socket.on('error', () => {})
    socket.once('close', (code) => {
      if (inRoom) room.closed(member)
      else resolve({ failed: `closed with ${code} before its history` })
    })
  })
}

/** Runs `open` for 0 to `count` − 1, `OPENING_AT_ONCE` at a time, in order; resolves once all have ended. */
export async function openAll (count: number, open: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, async () => {
    while (next < count) await open(next++)
  }))
}

/** Whether every member counts all of `members` online (its presence frames have told it every join). */
export const allCounted = (members: Iterable<Member>, size: number): boolean =>
  [...members].every(({ online }) => online === size)

/** Waits, looking every 20 ms, until `done` or `ms` have passed; whether `done` held. */
export async function waitFor (done: () => boolean, ms: number): Promise<boolean> {
  for (const until = performance.now() + ms; !done() && performance.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return done()
}

/**
 * The arguments of a client whose usage is `usage`: a port and two counts of at least 1, then `plain` where `plainToo`
 * allows it, or nothing; exits with its usage otherwise.
 */
export function clientArgs (
  usage: string,
  plainToo: boolean
): { port: number, counts: [number, number], plain: boolean } {
  const [port, ...counts] = process.argv.slice(2, 5).map(Number) as [number, number, number]
  const room = process.argv[5]
  if (
    ![port, ...counts].every(Number.isInteger) || counts.some((count) => count < 1) ||
    !(room === undefined || (plainToo && room === 'plain'))
  ) {
    console.error(`usage: ${usage}`)
    process.exit(2)
  }
  return { port, counts, plain: room === 'plain' }
}

/** Prints one JSON line for the harness. */
export const report = (what: object): void => { process.stdout.write(JSON.stringify(what) + '\n') }

/** Resolves on the harness's cue (SIGUSR2), listened to from the start: unheard, SIGUSR2 would end the process. */
export const cue = (): Promise<void> => new Promise<void>((resolve) => { process.once('SIGUSR2', () => { resolve() }) })
