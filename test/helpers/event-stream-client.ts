// A Server-Sent Events client over a real socket, for the tests: the response's head, then each event or comment as
// it arrives.
import { request, type IncomingMessage } from 'node:http'

/** One frame of a stream: an event (with its fields), a retry advice or a comment. */
export interface StreamFrame {
  event?: string
  id?: string
  data?: string
  retry?: string
  comment?: string
}

export interface EventStreamClient {
  response: IncomingMessage
  /** The next frame; rejects if the stream ends first. */
  next: () => Promise<StreamFrame>
  /** The next frame that is an event named `event`, skipping others. */
  nextEvent: (event: string) => Promise<StreamFrame>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close: () => void
}

function parse (block: string): StreamFrame {
  const frame: StreamFrame = {}
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim()
    else {
      const colon = line.indexOf(':')
      frame[line.slice(0, colon) as Exclude<keyof StreamFrame, 'comment'>] = line.slice(colon + 1).trimStart()
    }
  }
  return frame
}

/** Opens GET `path` (default /events) on 127.0.0.1:`port`, and resolves once the head has arrived. */
export async function openEventStream (
  port: number,
  headers: Record<string, string> = {},
  path = '/events'
): Promise<EventStreamClient> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path, headers: { accept: 'text/event-stream', ...headers } }, resolve)
      .on('error', reject).end()
  })
  const frames: StreamFrame[] = []
  const waiting: Array<{ resolve: (frame: StreamFrame) => void, reject: (error: Error) => void }> = []
  let text = ''
  let done = false
  const ended = new Promise<void>((resolve) => {
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      text += chunk
      for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
        const frame = parse(text.slice(0, end))
        text = text.slice(end + 2)
        const waiter = waiting.shift()
        if (waiter === undefined) frames.push(frame)
        else waiter.resolve(frame)
      }
    })
    response.on('close', () => {
      done = true
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('the stream ended'))
      resolve()
    })
  })
  const next = async (): Promise<StreamFrame> => {
    const frame = frames.shift()
    if (frame !== undefined) return frame
    if (done) throw new Error('the stream ended')
    return await new Promise((resolve, reject) => { waiting.push({ resolve, reject }) })
  }
  const nextEvent = async (event: string): Promise<StreamFrame> => {
    for (;;) {
      const frame = await next()
      if (frame.event === event) return frame
    }
  }
  return { response, next, nextEvent, ended, close: () => { response.destroy() } }
}
