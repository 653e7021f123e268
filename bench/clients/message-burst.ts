// A burst of chat messages, run in a process of its own: `count` sockets join GET /chat and report once every one is in
// the room and counts everyone online; once cued (SIGUSR2) each sends `messages` messages at once, and once each
// message has reached every socket or been refused to its sender with an error frame (or a minute has passed) it
// reports what came of them: delivered to every socket, refused, delivered to some only, never seen and never
// refused (lost), and how many came to a socket after a later one from the same sender. Run by bench/lib/abuse.ts
// (and by hand: node bench/clients/message-burst.ts <port> <count> <messages>). Its types only stripped.
import { allCounted, clientArgs, cue, join, openAll, report, waitFor, type Frame, type Member } from './room.ts'

const JOINED_WITHIN_MS = 60_000
const SETTLED_WITHIN_MS = 60_000
const TEXT = 'burst '

const { port, counts: [count, messages] } = clientArgs('message-burst.ts <port> <count> <messages>', false)

/** The sockets in the room, each sender's number its index here. */
const members: Member[] = []
const senderOf = new Map<Member, number>()
let failed = 0
let closedByServer = 0
/** For each sender, for each of its messages, the sockets that got it; and the error frames the sender got. */
const receivers: number[][] = []
const refused: number[] = []
/** For each socket, the number of the last message it got from each sender. */
const lastFrom = new Map<Member, number[]>()
let reordered = 0
let lastFrameAt = 0

function read (member: Member, frame: Frame, receivedAt: number): void {
  if (frame.type === 'presence') {
    member.online = frame.online
    return
  }
  lastFrameAt = receivedAt
  if (frame.type === 'error') {
    const sender = senderOf.get(member) as number
    refused[sender] = (refused[sender] ?? 0) + 1
  } else if (frame.type === 'message' && frame.text.startsWith(TEXT)) {
    const [sender, number] = frame.text.slice(TEXT.length).split(' ').map(Number) as [number, number]
    const got = receivers[sender] as number[]
    got[number] = (got[number] ?? 0) + 1
    const last = lastFrom.get(member) as number[]
    if (number < (last[sender] ?? -1)) reordered++
    last[sender] = number
  }
}
const closed = (): void => { closedByServer++ }

const cued = cue()
await openAll(count, async (index) => {
  const joined = await join({ port, plain: false, read, closed, timeoutMs: JOINED_WITHIN_MS }, `b${index + 1}`)
  if ('member' in joined) members.push(joined.member)
  else failed++
})
const inRoom = await waitFor(() => allCounted(members, members.length), JOINED_WITHIN_MS)
report({ opened: members.length, failed, inRoom })

await cued
for (const [sender, member] of members.entries()) {
  senderOf.set(member, sender)
  receivers.push([])
  refused.push(0)
  lastFrom.set(member, [])
}
/** Messages that reached every socket, and those that reached some only. */
const reachedAll = (got: number[]): number => got.filter((sockets) => sockets === members.length).length
const settled = (): boolean =>
  receivers.every((got, sender) => reachedAll(got) + (refused[sender] as number) >= messages)
const sentAt = performance.now()
for (const [sender, member] of members.entries()) {
  for (let number = 0; number < messages; number++) {
    member.socket.send(JSON.stringify({ type: 'message', text: `${TEXT}${sender} ${number}` }))
  }
}
await waitFor(settled, SETTLED_WITHIN_MS)

let delivered = 0
let partial = 0
let lost = 0
for (const [sender, got] of receivers.entries()) {
  const all = reachedAll(got)
  const some = got.filter((sockets) => sockets > 0 && sockets < members.length).length
  delivered += all
  partial += some
  // A message neither seen by any socket nor answered by an error frame to its sender went missing.
  lost += Math.max(0, messages - all - some - (refused[sender] as number))
}
report({
  sockets: members.length,
  sent: members.length * messages,
  delivered,
  refused: refused.reduce((sum, each) => sum + each, 0),
  partial,
  lost,
  reordered,
  closedByServer,
  settledMs: Math.round(lastFrameAt - sentAt)
})
