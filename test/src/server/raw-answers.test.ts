// Answers written straight to a socket: what each parser error is answered, and the bytes of an answer.
import { PassThrough } from 'node:stream'
import t from 'tap'
import { answerRaw, parserRefusal } from '../../../src/server/raw-answers.ts'

const limits = { requestTimeoutMs: 10_000, maxHeaderBytes: 16_384 }
const failed = (code: string, reason?: string): NodeJS.ErrnoException & { reason?: string } =>
  Object.assign(new Error(`Parse Error: ${reason ?? code}`), { code, ...(reason === undefined ? {} : { reason }) })

t.test('each parser error gets its status and says which limit, or what the parser found', async (t) => {
  t.same(parserRefusal(failed('ERR_HTTP_REQUEST_TIMEOUT'), limits),
    { statusCode: 408, message: 'The request was not sent in full within 10000 ms (REQUEST_TIMEOUT_MS)' })
  t.same(parserRefusal(failed('HPE_HEADER_OVERFLOW', 'Header overflow'), limits),
    { statusCode: 431, message: 'The request\'s headers are larger than 16384 bytes (MAX_HEADER_BYTES)' })
  t.same(parserRefusal(failed('HPE_INVALID_METHOD', 'Invalid method encountered'), limits),
    { statusCode: 400, message: 'The request is not valid HTTP/1.1: Invalid method encountered' })
  t.same(parserRefusal(failed('HPE_SOMETHING_NEW'), limits),
    { statusCode: 400, message: 'The request is not valid HTTP/1.1: Parse Error: HPE_SOMETHING_NEW' },
    'without a reason, its message')
})

t.test('an answer is a whole HTTP response with a JSON body and a fresh id, then the end of the connection',
  async (t) => {
    const socket = new PassThrough()
    let written = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => { written += chunk })
    const id = answerRaw(socket, { statusCode: 499, message: 'gone' })
    await new Promise((resolve) => socket.once('close', resolve))
    t.match(id, /^[0-9a-f-]{36}$/)
    t.equal(written, [
      'HTTP/1.1 499 Error',
      'content-type: application/json; charset=utf-8',
      'content-length: 51',
      `x-request-id: ${id}`,
      'x-content-type-options: nosniff',
      'connection: close',
      '',
      '{"statusCode":499,"error":"Error","message":"gone"}'
    ].join('\r\n'), 'a status without a name is called Error')
  })
