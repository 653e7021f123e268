// Tracing on: a request its client abandoned, whose end Fastify does not see, has its span ended all the same, once; an
// event stream's ends as its answer goes out, as any answer's does; a WebSocket's once the upgrade is done.
import { connect, type AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import t from 'tap'
import { openEventStream } from '../../helpers/event-stream-client.ts'
import { abandonedRootRequest, spanNamed, traced } from '../../helpers/tracing.ts'
import { until } from '../../helpers/upstream.ts'
import { ChatClient } from '../../helpers/ws-client.ts'

t.setTimeout(60_000)

t.test('a request its client abandoned ends its span as it leaves, marked aborted, with no status', async (t) => {
  const span = spanNamed(await abandonedRootRequest(t, 'GET /'), 'GET /')
  t.equal(span.attributes['request.aborted'], true)
  t.notOk('http.response.status_code' in span.attributes)
})

t.test(
  'a client that leaves after its answer began, before its head went out, leaves the span as the answer ended it',
  async (t) => {
    const { app, spans } = await traced(t, {
      // A body that never sends a byte: its head, held until the first, never goes out.
      extend: (fastify) => { fastify.get('/silent', async () => new Readable({ read () {} })) }
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const client = connect((app.server.address() as AddressInfo).port, '127.0.0.1')
    client.write('GET /silent HTTP/1.1\r\nhost: localhost\r\n\r\n')
    await until(() => spans().length > 0, 20_000)
    client.destroy()
    await until(() => app.inFlight.count === 0, 20_000)
    t.equal(spans().length, 1)
    t.match(spanNamed(spans(), 'GET /silent').attributes, { 'http.response.status_code': 200 })
    t.notOk('request.aborted' in spanNamed(spans(), 'GET /silent').attributes)
  }
)

t.test('an event stream\'s span ends once its head is sent, with its status, while the stream goes on', async (t) => {
  const { app, spans } = await traced(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const stream = await openEventStream((app.server.address() as AddressInfo).port)
  t.teardown(() => { stream.close() })
  await until(() => spans().length > 0, 20_000)
  t.match(spanNamed(spans(), 'GET /events').attributes, { 'http.route': '/events', 'http.response.status_code': 200 })
  t.notOk('request.aborted' in spanNamed(spans(), 'GET /events').attributes)
})

t.test('a WebSocket\'s span ends once the upgrade is done, with status 101', async (t) => {
  const { app, spans } = await traced(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const client = await ChatClient.connect(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/chat?name=ann`)
  t.teardown(() => client.close())
  await until(() => spans().length > 0, 20_000)
  t.match(spanNamed(spans(), 'GET /chat').attributes, { 'http.route': '/chat', 'http.response.status_code': 101 })
})

t.test('a plain GET of the WebSocket route is answered, and its span ended, as any request\'s', async (t) => {
  const { app, spans } = await traced(t)
  t.equal((await app.inject('/chat?name=ann')).statusCode, 426)
  t.match(spanNamed(spans(), 'GET /chat').attributes, { 'http.response.status_code': 426 })
})
