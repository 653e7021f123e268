// Answers written straight to a socket, for what never reaches Fastify's reply: a request Node's HTTP parser refuses
// (headers too large, a bad request line, one not sent in full in time) and CONNECT, which Node hands over as a bare
// socket. Each is the JSON error every other answer is, with a fresh request id, and the connection closes after it.
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from '../http/status-codes.ts'
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts'

/** An answer to write: its status, and what was wrong. */
export interface RawAnswer { statusCode: number, message: string }

/** The limits a refusal names, from config. */
export interface ParserLimits { requestTimeoutMs: number, maxHeaderBytes: number }

/** What to answer a request the parser refused with `error` (Node's `clientError`). */
export function parserRefusal (error: NodeJS.ErrnoException & { reason?: string }, limits: ParserLimits): RawAnswer {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        statusCode: 408,
        message: `The request was not sent in full within ${limits.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`
      }
    case 'HPE_HEADER_OVERFLOW':
      return {
        statusCode: 431,
        message: `The request's headers are larger than ${limits.maxHeaderBytes} bytes (MAX_HEADER_BYTES)`
      }
    default:
      return { statusCode: 400, message: `The request is not valid HTTP/1.1: ${error.reason ?? error.message}` }
  }
}

/** Writes `answer` on `socket` as JSON with a fresh request id, then closes the socket once written; the id. */
export function answerRaw (socket: Duplex, { statusCode, message }: RawAnswer): string {
  const requestId = requestIdFrom(undefined)
  const error = STATUS_CODES[statusCode] ?? 'Error'
  const body = JSON.stringify({ statusCode, error, message })
  socket.end([
    `HTTP/1.1 ${statusCode} ${error}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    'x-content-type-options: nosniff',
    'connection: close',
    '',
    body
  ].join('\r\n'))
  // A client that never closes its side does not keep the socket.
  socket.once('finish', () => socket.destroy())
  return requestId
}
