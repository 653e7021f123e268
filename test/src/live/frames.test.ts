// Server-Sent Events frames, exactly as a client's parser expects them.
import t from 'tap'
import { sseComment, sseEvent, sseRetry } from '../../../src/live/frames.ts'

t.test('an event has its name, its id when given, and its data as one JSON line, then a blank line', async (t) => {
  t.equal(sseEvent('update', { seq: 7, text: 'two\nlines' }, 7),
    'event: update\nid: 7\ndata: {"seq":7,"text":"two\\nlines"}\n\n')
  t.equal(sseEvent('lost', { missed: 3 }), 'event: lost\ndata: {"missed":3}\n\n', 'no id line without an id')
})

t.test('a comment and the retry advice', async (t) => {
  t.equal(sseComment('heartbeat'), ': heartbeat\n\n')
  t.equal(sseRetry(2000), 'retry: 2000\n\n')
})
