// A load generator of event streams, run in a process of its own: opens `count` GET /events streams over raw sockets,
// and once cued (SIGUSR2) notes when each stream gets each update, against the time the update says it was published,
// until `updates` updates have reached every stream (or `timeoutMs` passed). Run by bench/lib/live.ts (and by hand:
// node bench/clients/event-streams.ts <port> <count> <updates> <timeoutMs>). Plain Node over node:net, its types only
// stripped: thousands of EventSource or http.request clients would make this process, not the service, the bottleneck.
import { connect, type Socket } from 'node:net'

/** Connections being opened at once: past the listen backlog, the kernel drops SYNs, and a dropped SYN waits 1 s. */
const OPENING_AT_ONCE = 500

const [port, count, updates, timeoutMs] = process.argv.slice(2, 6).map(Number) as [number, number, number, number]
if (![port, count, updates, timeoutMs].every(Number.isInteger) || count < 1 || updates < 1) {
  console.error('usage: event-streams.ts <port> <count> <updates> <timeoutMs>')
  process.exit(2)
}

const request = `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`
const OK = Buffer.from('HTTP/1.1 200 ')
/** An update's data line: its JSON begins with its seq. */
const DATA_LINE = Buffer.from('\ndata: {"seq":')
const AT_FIELD = Buffer.from('"at":"')
const NEWLINE = 0x0a
const QUOTE = 0x22
const ZERO = 0x30

/** Wall-clock time in ms, as the update's `at` is, to a fraction of a ms. */
const now = (): number => performance.timeOrigin + performance.now()

/** Prints one JSON line for the harness. */
const report = (what: object): void => { process.stdout.write(JSON.stringify(what) + '\n') }

const open = new Set<Socket>()
let failed = 0
/** Streams answered with another status than 200. */
let refused = 0
/** Streams the service closed after they opened. */
let closedByServer = 0

/** Each update's publish time (its `at`, in ms), read from the first stream that got it. */
const publishedAt = new Map<number, number>()
/** Updates published after this moment are the ones counted: set by the cue. */
let countFrom = Infinity
let firstCounted: number | undefined
/** For each counted update, in order, each stream's latency in ms. */
const latencies: number[][] = Array.from({ length: updates }, () => [])
let finish: () => void = () => {}
const finished = new Promise<void>((resolve) => { finish = resolve })

/** The number in `text` from `at` up to its first byte that is not a digit. */
function digitsAt (text: Buffer, at: number): number {
  let number = 0
  for (
    let index = at;
    text[index] !== undefined && (text[index] as number) >= ZERO && (text[index] as number) <= ZERO + 9;
    index++
  ) {
    number = number * 10 + (text[index] as number) - ZERO
  }
  return number
}

/** Notes that the update in the data line at `line` of `text` arrived at `receivedAt`. */
function received (text: Buffer, line: number, receivedAt: number): void {
  const seq = digitsAt(text, line + DATA_LINE.length)
  let at = publishedAt.get(seq)
  if (at === undefined) {
    const field = text.indexOf(AT_FIELD, line) + AT_FIELD.length
    at = Date.parse(text.toString('latin1', field, text.indexOf(QUOTE, field)))
    publishedAt.set(seq, at)
  }
  // `at` is cut to the ms: one after the cue's moment was published after it, once every stream was open.
  if (at <= countFrom) return
  firstCounted ??= seq
  const mine = latencies[seq - firstCounted]
  if (mine === undefined) return
  mine.push(receivedAt - at)
  if (seq - firstCounted === updates - 1 && mine.length >= open.size) finish()
}

/** Opens one stream; resolves once its answer's head arrived, or once it failed. */
async function openStream (): Promise<void> {
  await new Promise<void>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.setNoDelay(true)
    /**
     * The end of the last chunk from its last line break on: a line cut between two chunks is read whole with the
     * next.
     */
    let carry: Buffer | undefined
    let answered = false
    socket.once('connect', () => { socket.write(request) })
    socket.once('data', (head: Buffer) => {
      answered = true
      if (head.subarray(0, OK.length).equals(OK)) open.add(socket)
      else {
        refused++
        socket.destroy()
      }
      resolve()
    })
    socket.on('data', (chunk: Buffer) => {
      const receivedAt = now()
      const text = carry === undefined ? chunk : Buffer.concat([carry, chunk])
      const end = text.lastIndexOf(NEWLINE)
      for (let line = text.indexOf(DATA_LINE); line !== -1 && line < end; line = text.indexOf(DATA_LINE, line + 1)) {
        received(text, line, receivedAt)
      }
      carry = end === -1 ? text : text.subarray(end)
    })
    // Its 'close' follows.
    socket.on('error', () => {})
    socket.once('close', () => {
      if (open.delete(socket)) closedByServer++
      else if (!answered) failed++
      resolve()
    })
  })
}

// Listened to from the start: unheard, SIGUSR2 would end the process.
process.once('SIGUSR2', () => {
  countFrom = now()
  setTimeout(finish, timeoutMs).unref()
})

const started = performance.now()
let next = 0
await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, async () => {
  while (next < count) {
    next++
    await openStream()
  }
}))
report({ opened: open.size, failed, refused, ms: Math.round(performance.now() - started) })

await finished
// Rounded to 10 µs (`at` itself is to the ms), for a shorter line.
report({
  streams: open.size,
  closedByServer,
  updates: latencies.map((each, index) => ({
    seq: firstCounted === undefined ? null : firstCounted + index,
    latenciesMs: each.map((ms) => Math.round(ms * 100) / 100)
  }))
})
// The streams stay open, and read, until the harness ends this process.
