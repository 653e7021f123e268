// A join storm, run in a process of its own: `watchers` sockets join GET /chat first and, while `count` more join as
// fast as this client can open them, send a numbered message in turn, one as the storm begins and one every
// WATCH_INTERVAL_MS. It reports once every socket is in the room and counts everyone online (in a plain room, the
// baseline's, once all are open), or once their time is up, with the storm's sockets refused by status and what each
// watcher got of the messages: all of them, in order, is the room's promise to the sockets already in it. Run by
// bench/lib/abuse.ts (and by hand: node bench/clients/join-storm.ts <port> <count> <watchers> [plain]). Its types
// only stripped.
import { allCounted, clientArgs, join, openAll, report, waitFor, type Frame, type Member } from './room.ts'

/** How long the storm may take, joins and presence frames; and the last message's way to every watcher. */
const JOINED_WITHIN_MS = 60_000
const DELIVERED_WITHIN_MS = 10_000
/** A message from a watcher every this many ms, the watchers in turn: each far under the rate limit of a socket. */
const WATCH_INTERVAL_MS = 200
const TEXT = 'watch '

const { port, counts: [count, watchers], plain } = clientArgs('join-storm.ts <port> <count> <watchers> [plain]', true)

/** The watchers, and each one's messages received, by number, in the order they came. */
const watching = new Map<Member, number[]>()
const open = new Set<Member>()
let failed = 0
let closedByServer = 0
/** The storm's sockets refused, by HTTP status. */
const refused: Record<number, number> = {}

function read (member: Member, frame: Frame): void {
  if (frame.type === 'presence') member.online = frame.online
  else if (frame.type === 'message' && frame.text.startsWith(TEXT)) {
    watching.get(member)?.push(Number(frame.text.slice(TEXT.length)))
  }
}
const closed = (member: Member): void => { if (open.delete(member)) closedByServer++ }
const options = { port, plain, read, closed, timeoutMs: JOINED_WITHIN_MS }

/** Joins `count` sockets named `prefix`1, `prefix`2...; whether each got in is counted. */
async function joinAll (prefix: string, count: number, joined: (member: Member) => void): Promise<void> {
  await openAll(count, async (index) => {
    const outcome = await join(options, `${prefix}${index + 1}`)
    if ('member' in outcome) {
      open.add(outcome.member)
      joined(outcome.member)
    } else if ('refused' in outcome) {
      refused[outcome.refused] = (refused[outcome.refused] ?? 0) + 1
    } else {
      failed++
    }
  })
}

await joinAll('w', watchers, (member) => watching.set(member, []))
if (watching.size < watchers) {
  console.error(`only ${watching.size} of ${watchers} watchers got into the room`)
  process.exit(1)
}
const everyone = [...watching.keys()]
let sent = 0
/** The next message, from the next watcher; the first goes as the storm begins. */
const say = (): void => {
  const member = everyone[sent % everyone.length] as Member
  member.socket.send(JSON.stringify({ type: 'message', text: TEXT + sent++ }))
}
say()
const sender = setInterval(say, WATCH_INTERVAL_MS)

const started = performance.now()
await joinAll('s', count, () => {})
const connectMs = performance.now() - started
const everyJoinSeen = plain || await waitFor(() => allCounted(open, open.size), JOINED_WITHIN_MS)
const joinedMs = performance.now() - started
clearInterval(sender)
await waitFor(() => [...watching.values()].every((got) => got.length >= sent), DELIVERED_WITHIN_MS)

/** Over the watchers: messages that never came, and those that came after a later one. */
let lost = 0
let reordered = 0
for (const got of watching.values()) {
  lost += sent - new Set(got).size
  reordered += got.filter((number, index) => index > 0 && number < (got[index - 1] as number)).length
}
report({
  opened: open.size - watchers,
  refused,
  failed,
  closedByServer,
  connectMs: Math.round(connectMs),
  joinedMs: everyJoinSeen ? Math.round(joinedMs) : null,
  watch: { watchers, sent, lost, reordered }
})
// The sockets stay in the room until the harness ends this process.
