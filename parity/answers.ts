// An app's answer to a probe, as compare reads it: the status, the headers that carry meaning, the body, and how long
// the answer took. Redirects are not followed: a redirect is an answer to compare.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ParityError } from './errors.ts'
import type { Probe } from './probes.ts'

/** The headers compared: what a client acts on. Set-Cookie is kept as its cookies' names. */
const COMPARED_HEADERS = ['content-type', 'allow', 'location', 'cache-control', 'set-cookie',
  'www-authenticate'] as const

export interface Answer {
  status: number
  headers: Record<string, string>
  body: string
  ms: number
}

/** `path` (with its query) under the app at `base`, whose own path it keeps: never another host, even for `//x`. */
function under (base: string, path: string): URL {
  const url = new URL(base)
  const query = path.indexOf('?')
  url.pathname = url.pathname.replace(/\/$/, '') + (query === -1 ? path : path.slice(0, query))
  url.search = query === -1 ? '' : path.slice(query)
  return url
}

/** A Location as a path when it points into the app it came from (Werkzeug may make it absolute), else as sent. */
function withinApp (location: string, from: URL): string {
  const target = new URL(location, from)
  return target.origin === from.origin ? target.pathname + target.search + target.hash : location
}

/** `probe` asked of the app at `base` within `timeoutMs`, on node:http, which sends any method: fetch refuses TRACE. */
export async function ask (base: string, probe: Probe, timeoutMs: number): Promise<Answer> {
  const url = under(base, probe.path)
  const started = performance.now()
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    const sent = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: probe.method,
      headers: probe.headers,
      signal: AbortSignal.timeout(timeoutMs)
    }, resolve)
    sent.on('error', reject)
    sent.end(probe.body)
  })
  let response: IncomingMessage
  const chunks: Buffer[] = []
  try {
    response = await answered
    for await (const chunk of response) chunks.push(chunk as Buffer)
  } catch (error) {
    throw new ParityError(`${probe.method} ${url.href} got no answer: ${(error as Error).message}`)
  }
  const headers: Record<string, string> = {}
  for (const name of COMPARED_HEADERS) {
    const value = response.headers[name]
    // Set-Cookie as its cookies' names, sorted: their values are the server's own.
    const kept = Array.isArray(value) ? value.map((cookie) => cookie.split('=')[0]?.trim()).sort().join(', ') : value
    if (kept !== undefined && kept !== '') headers[name] = name === 'location' ? withinApp(kept, url) : kept
  }
  return {
    status: response.statusCode as number,
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
    ms: performance.now() - started
  }
}
