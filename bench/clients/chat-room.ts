// A load generator of chat sockets, run in a process of its own: `count` WebSockets join GET /chat as u1, u2...; once
// every socket counts everyone online (its presence frames have told it every join) it reports, and once cued
// (SIGUSR2) it sends `messages` messages one after another, each from another socket, noting when each socket gets
// each (the sender too), until all have it. A `plain` room (the baseline's) greets no one, with neither history nor
// presence: a socket is in it once open. Run by bench/lib/chat.ts (and by hand: node bench/clients/chat-room.ts <port>
// <count> <messages> [plain]). Its types only stripped.
import { allCounted, clientArgs, cue, join, openAll, report, waitFor, type Frame, type Member } from './room.ts'

/**
 * How long joining may take (a socket's handshake, then every socket counting everyone online), and a message's way
 * to every socket.
 */
const JOINED_WITHIN_MS = 60_000
const DELIVERED_WITHIN_MS = 10_000
/** A bench message's text: this, then its number. */
const TEXT = 'bench message '

const { port, counts: [count, messages], plain } = clientArgs('chat-room.ts <port> <count> <messages> [plain]', true)

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
  if (frame.type === 'presence') member.online = frame.online
  else if (frame.type === 'error') errors++
  else if (frame.type === 'message' && frame.text.startsWith(TEXT)) {
    const index = Number(frame.text.slice(TEXT.length))
    latencies[index]?.push(receivedAt - (sentAt[index] as number))
    if (index === current && (latencies[index] as number[]).length >= open.size) delivered()
  }
}

const cued = cue()
const started = performance.now()
const closed = (member: Member): void => { if (open.delete(member)) closedByServer++ }
await openAll(count, async (index) => {
  const joined = await join({ port, plain, read, closed, timeoutMs: JOINED_WITHIN_MS }, `u${index + 1}`)
  if ('member' in joined) {
    members.push(joined.member)
    open.add(joined.member)
  } else {
    failed++
  }
})
const connectMs = performance.now() - started
// Presence frames come in order: once a socket counts everyone online, every join has been told to it. A plain room
// tells no joins.
const everyJoinSeen = plain || await waitFor(() => allCounted(open, open.size), JOINED_WITHIN_MS)
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
