// Reading a chat client's frame: its text, or what was wrong with it (the problem as counted, the message as sent);
// the text's limit in UTF-8 bytes; the frame limit that fits any text within it, however escaped.
import t from 'tap'
import { maxFrameBytes, readFrame } from '../../../src/chat/client-frames.ts'

const read = (frame: string, maxTextBytes = 2000): ReturnType<typeof readFrame> =>
  readFrame(Buffer.from(frame), false, maxTextBytes)

t.test('a message frame gives its text, other fields ignored', async (t) => {
  t.same(read('{"type":"message","text":"hi"}'), { text: 'hi' })
  t.same(read('{"text":"hi ✓","mood":"fine","type":"message"}'), { text: 'hi ✓' })
})

t.test('each problem, with what the client is told', async (t) => {
  t.same(readFrame(Buffer.from('{"type":"message","text":"hi"}'), true, 2000),
    { problem: 'binary', message: 'frames must be JSON text' })
  t.same(read('{"type":'), { problem: 'invalid_json', message: 'frame is not JSON: Unexpected end of JSON input' })
  for (const frame of ['[]', '1', 'null', 'true', '"message"']) {
    t.same(read(frame),
      { problem: 'invalid_frame', message: 'a frame must be a JSON object: {"type":"message","text":"..."}' }, frame)
  }
  t.same(read('{"text":"hi"}'), { problem: 'invalid_frame', message: 'type is missing; the only type is "message"' })
  t.same(read('{"type":"join","text":"hi"}'),
    { problem: 'unknown_type', message: 'unknown type "join"; the only type is "message"' })
  t.same(read('{"type":{"a":1}}'),
    { problem: 'unknown_type', message: 'unknown type {"a":1}; the only type is "message"' },
    'the type is told before the text')
  for (const frame of [
    '{"type":"message"}',
    '{"type":"message","text":""}',
    '{"type":"message","text":["hi"]}',
    '{"type":"message","text":null}'
  ]) {
    t.same(read(frame), { problem: 'invalid_frame', message: 'text must be a non-empty string' }, frame)
  }
})

t.test('the text is limited in UTF-8 bytes, not characters', async (t) => {
  t.same(read(JSON.stringify({ type: 'message', text: '€€€' }), 9), { text: '€€€' },
    'three characters of three bytes: 9')
  t.same(read(JSON.stringify({ type: 'message', text: '€€€a' }), 9),
    { problem: 'too_long', message: 'text is 10 bytes; at most 9' })
  t.same(read(JSON.stringify({ type: 'message', text: '😀😀😀' }), 9),
    { problem: 'too_long', message: 'text is 12 bytes; at most 9' })
})

t.test('the frame limit, 6 × the text limit + 1 KiB, fits the longest text however escaped', async (t) => {
  t.equal(maxFrameBytes(2000), 13_024)
  t.equal(maxFrameBytes(1), 1030)
  const escaped = JSON.stringify({ type: 'message', text: '\u0001'.repeat(2000) })
  t.ok(Buffer.byteLength(escaped) <= 13_024,
    `2000 control characters, each as \\u0001: ${Buffer.byteLength(escaped)} bytes`)
  t.same(read(escaped), { text: '\u0001'.repeat(2000) })
})
