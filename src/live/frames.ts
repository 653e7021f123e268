// Server-Sent Events as the HTML standard frames them (text/event-stream): events, comments and reconnection advice.
// Every frame ends with a blank line; data is JSON, which never holds a line break, so it takes one data line.

/**
 * An event named `event` whose data is `data` as JSON; with an id, a client that reconnects sends it as Last-Event-ID.
 */
export function sseEvent (event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`
}

/** A comment line, which clients ignore: it keeps a stream's connection in use. */
export function sseComment (text: string): string {
  return `: ${text}\n\n`
}

/** How long a client waits before it reconnects once the stream is lost. */
export function sseRetry (ms: number): string {
  return `retry: ${ms}\n\n`
}
