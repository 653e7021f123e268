// A load generator of chat sockets, run in a process of its own: `count` WebSockets join GET /chat as u1, u2...; once
// every socket counts everyone online (its presence frames have told it every join) it reports, and once cued
// (SIGUSR2) it sends `messages` messages one after another, each from another socket, noting when each socket gets
// each (the sender too), until all have it. A `plain`
// room (the baseline's) greets no one, with neither history nor presence: a socket is in it once open. Run by
// bench/lib/chat.ts (and by hand: node bench/clients/chat-room.ts <port> <count> <messages> [plain]). Its types only
// stripped.
import WebSocket from 'ws'

/** Sockets joining at once: a burst of a thousand handshakes would make them queue. */
const OPENING_AT_ONCE = 100
/**
 * How long joining may take (a socket's handshake, then every socket counting everyone online), and a message's way
 * to every socket.
 */
const JOINED_WITHIN_MS = 60_000
const DELIVERED_WITHIN_MS = 10_000
/** A bench message's text: this, then its number. */
const TEXT = 'bench message '

const [port, count, messages] = process.argv.slice(2, 5).map(Number) as [number, number, number]
const room = process.argv[5]
if (
  ![port, count, messages].every(Number.isInteger) || count < 1 || messages < 1 ||
  ![undefined, 'plain'].includes(room)
) {
  console.error('usage: chat-room.ts <port> <count> <messages> [plain]')
  process.exit(2)
}
const plain = room === 'plain'

/** The frames the room sends, as far as this client reads them. */
type Frame =
  | { type: 'history' | 'presence', online: number }
  | { type: 'message', text: string }
  | { type: 'error', message: string }

interface Member {
  name: string
  socket: WebSocket
  /** Sockets in the room, as its history or its last presence frame said. */
  online: number
}

/** Prints one JSON line for the harness. */
const report = (what: object): void => { process.stdout.write(JSON.stringify(what) + '\n') }

/** The sockets that got their history (in the room), in the order they joined; those still open. */
const members: Member[] = []
const open = new Set<Member>()
let failed = 0
let closedByServer = 0
/** Error frames the room sent. */
let errors = 0
/** When each message was sent (performance.now()), and each socket's latency for it, in ms. */
const sentAt: number[] = []
const latencies: number[][] = Array.from({ length: messages }, () => [])
/** The message under way, and what to call once every open socket has it. */
let current = -1
let delivered: () => void = () => {}

/** Reads one frame that `member` got at `receivedAt`. */
function read (member: Member, frame: Frame, receivedAt: number): void {
  if (frame.type === 'history' || frame.type === 'presence') member.online = frame.online
  else if (frame.type === 'error') errors++
  else if (frame.type === 'message' && frame.text.startsWith(TEXT)) {
    const index = Number(frame.text.slice(TEXT.length))
    latencies[index]?.push(receivedAt - (sentAt[index] as number))
    if (index === current && (latencies[index] as number[]).length >= open.size) delivered()
  }
}

/**
 * Joins one socket; resolves once it is in the room (its history arrived, or it opened in a plain room), or once it
 * failed.
 */
async function join (name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/chat?name=${name}`, {
      perMessageDeflate: false,
      handshakeTimeout: JOINED_WITHIN_MS
    })
    const member: Member = { name, socket, online: 0 }
    const inTheRoom = (): void => {
      members.push(member)
      open.add(member)
      resolve()
    }
    if (plain) socket.once('open', inTheRoom)
    socket.on('message', (data: Buffer) => {
      const receivedAt = performance.now()
      const frame = JSON.parse(data.toString('utf8')) as Frame
      if (frame.type === 'history') inTheRoom()
      else read(member, frame, receivedAt)
    })
    // Its 'close' follows.
    socket.on('error', () => {})
    socket.once('close', () => {
      if (open.delete(member)) closedByServer++
      else failed++
      resolve()
    })
  })
}

// Listened to from the start: unheard, SIGUSR2 would end the process.
const cued = new Promise<void>((resolve) => { process.once('SIGUSR2', () => { resolve() }) })

const started = performance.now()
let next = 0
await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, async () => {
  while (next < count) await join(`u${++next}`)
}))
const connectMs = performance.now() - started
// Presence frames come in order: once a socket counts everyone online, every join has been told to it. A plain room
// tells no joins.
const joinsUnseen = (): boolean => !plain && [...open].some(({ online }) => online !== open.size)
for (const until = performance.now() + JOINED_WITHIN_MS; joinsUnseen() && performance.now() < until;) {
  await new Promise((resolve) => setTimeout(resolve, 20))
}
const everyJoinSeen = !joinsUnseen()
report({
  opened: open.size,
  failed,
  connectMs: Math.round(connectMs),
  joinedMs: everyJoinSeen ? Math.round(performance.now() - started) : null
})

await cued
const senders: string[] = []
for (let index = 0; index < messages; index++) {
  // Senders spread over the room, one message each: far under the rate limit of any.
  const sender = members[Math.floor(index * members.length / messages)] as Member
  senders.push(sender.name)
  current = index
  const arrived = new Promise<void>((resolve) => { delivered = resolve })
  const timer = setTimeout(delivered, DELIVERED_WITHIN_MS)
  sentAt[index] = performance.now()
  sender.socket.send(JSON.stringify({ type: 'message', text: TEXT + index }))
  await arrived
  clearTimeout(timer)
}
// Rounded to 10 µs, for a shorter line.
report({
  sockets: open.size,
  closedByServer,
  errors,
  messages: latencies.map((each, index) => ({
    from: senders[index],
    latenciesMs: each.map((ms) => Math.round(ms * 100) / 100)
  }))
})
// The sockets stay in the room until the harness ends this process.
