// An app's answer as compare reads it, over a real socket: any method (TRACE included), the headers that carry
// meaning, Set-Cookie as its cookies' names, a redirect not followed; an app that does not answer, in one line.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { ask } from '../../parity/answers.ts'

t.test('the status, the compared headers, the body; a redirect is an answer', async (t) => {
  const seen: string[] = []
  const server = createServer((request, response) => {
    seen.push(`${request.method as string} ${request.url as string} ${request.headers.accept ?? ''}`)
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() }).on('end', () => {
      if (request.url?.startsWith('/moved') === true) {
        const to = { '/moved': '/catalog/', '/moved-absolute': `http://${request.headers.host as string}/catalog/?a=1`, '/moved-away': 'https://elsewhere.example/' }
        response.writeHead(301, { location: to[request.url as keyof typeof to] }).end()
        return
      }
      response.setHeader('set-cookie', ['session=abc; HttpOnly', 'csrf=xyz'])
      response.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'r1', 'cache-control': 'no-store' })
      response.end(`${request.method as string} ${body}`)
    })
  }).listen(0, '127.0.0.1')
  t.teardown(() => { server.close() })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const answer = await ask(base, { method: 'POST', path: '/orders?x=1', headers: { accept: 'text/plain' }, body: 'hi' },
    5000)
  t.match(answer, {
    status: 200,
    headers: { 'content-type': 'text/plain', 'cache-control': 'no-store', 'set-cookie': 'csrf, session' },
    body: 'POST hi',
    ms: Number
  })
  t.notOk('x-request-id' in answer.headers, 'only the headers compared')
  t.match(await ask(base, { method: 'TRACE', path: '/', headers: {} }, 5000), { status: 200, body: 'TRACE ' })
  const location = async (path: string): Promise<string | undefined> =>
    (await ask(base, { method: 'GET', path, headers: {} }, 5000)).headers.location
  t.equal(await location('/moved'), '/catalog/')
  t.equal(await location('/moved-absolute'), '/catalog/?a=1', 'into the app: its path, whatever its origin')
  t.equal(await location('/moved-away'), 'https://elsewhere.example/', 'elsewhere: as sent')
  t.same(seen.slice(0, 3), ['POST /orders?x=1 text/plain', 'TRACE / ', 'GET /moved '])
  await ask(base, { method: 'GET', path: '//elsewhere.example/x?y=1', headers: {} }, 5000)
  await ask(`${base}/app/`, { method: 'GET', path: '/x', headers: {} }, 5000)
  t.same(seen.slice(-2), ['GET //elsewhere.example/x?y=1 ', 'GET /app/x '],
    'a path that starts with // stays on the app; a base with a path keeps it')
})

t.test('an answer cut while its body comes is said in one line', async (t) => {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write('data: 1\n\n')
    setTimeout(() => { response.socket?.destroy() }, 50)
  }).listen(0, '127.0.0.1')
  t.teardown(() => { server.close() })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await t.rejects(ask(base, { method: 'GET', path: '/events', headers: {} }, 5000),
    { name: 'ParityError', message: `GET ${base}/events got no answer: aborted` })
})

t.test('an app that does not answer is said in one line', async (t) => {
  const closed = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => closed.once('listening', resolve))
  const { port } = closed.address() as AddressInfo
  await new Promise((resolve) => closed.close(resolve))
  await t.rejects(ask(`http://127.0.0.1:${port}`, { method: 'GET', path: '/', headers: {} }, 5000),
    { name: 'ParityError', message: `GET http://127.0.0.1:${port}/ got no answer: connect ECONNREFUSED 127.0.0.1:${port}` })
  await t.rejects(ask(`https://127.0.0.1:${port}`, { method: 'GET', path: '/', headers: {} }, 5000),
    { message: `GET https://127.0.0.1:${port}/ got no answer: connect ECONNREFUSED 127.0.0.1:${port}` }, 'https too')
})
