// Reads what a chat client sends: a JSON text frame { "type": "message", "text": "..." } checked against its schema and
// the longest text, or what was wrong with it, said so that the client can tell exactly.
import { Compile } from 'typebox/compile'
import { ClientFrame } from './schemas.ts'

/** What was wrong with a frame, as chat_errors_total counts it. */
export type FrameProblem = 'binary' | 'invalid_json' | 'invalid_frame' | 'unknown_type' | 'too_long'

export type ReadFrame = { text: string } | { problem: FrameProblem, message: string }

const clientFrame = Compile(ClientFrame)

/**
 * The largest frame read for a text of at most `maxTextBytes`: each UTF-8 byte of a text takes at most six bytes of
 * JSON (a control character escaped as \u0000), and 1 KiB is left for the rest of the frame.
 */
export function maxFrameBytes (maxTextBytes: number): number {
  return 6 * maxTextBytes + 1024
}

/** The text of a frame (`data`, a binary frame if `isBinary`), or what was wrong with it. */
export function readFrame (data: Buffer, isBinary: boolean, maxTextBytes: number): ReadFrame {
  if (isBinary) return { problem: 'binary', message: 'frames must be JSON text' }
  let frame: unknown
  try {
    frame = JSON.parse(data.toString('utf8'))
  } catch (error) {
    return { problem: 'invalid_json', message: `frame is not JSON: ${(error as SyntaxError).message}` }
  }
  if (!clientFrame.Check(frame)) return whatIsWrong(frame)
  const bytes = Buffer.byteLength(frame.text)
  if (bytes > maxTextBytes) return { problem: 'too_long', message: `text is ${bytes} bytes; at most ${maxTextBytes}` }
  return { text: frame.text }
}

/** What is wrong with a frame the schema refused, the type first: a frame of another type has other fields. */
function whatIsWrong (frame: unknown): ReadFrame {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { problem: 'invalid_frame', message: 'a frame must be a JSON object: {"type":"message","text":"..."}' }
  }
  const { type } = frame as { type?: unknown }
  if (type === undefined) return { problem: 'invalid_frame', message: 'type is missing; the only type is "message"' }
  if (type !== 'message') {
    return { problem: 'unknown_type', message: `unknown type ${JSON.stringify(type)}; the only type is "message"` }
  }
  return { problem: 'invalid_frame', message: 'text must be a non-empty string' }
}
