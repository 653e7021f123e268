// OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on: the spans go to the collector there, the last of them at the close,
// and a collector that does not answer holds the close no longer than its limit.
import type { IncomingHttpHeaders } from 'node:http'
import t from 'tap'
import { build } from '../helpers/app.ts'
import { serve } from '../helpers/upstream.ts'

t.setTimeout(60_000)

t.test('the spans go to <endpoint>/v1/traces as protobuf, the last ones at the close', async (t) => {
  const posted: Array<{ url: string | undefined, headers: IncomingHttpHeaders, body: Buffer }> = []
  const collector = await serve(t, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      posted.push({ url: request.url, headers: request.headers, body: Buffer.concat(chunks) })
      response.end()
    })
  })
  const app = await build(t, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin, OTEL_SERVICE_NAME: 'checkout' } })
  t.not(app.tracing, undefined, 'tracing is on')
  t.equal((await app.inject('/sync')).statusCode, 200)
  await app.close()
  t.equal(posted.length, 1)
  t.match(posted[0], { url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' } })
  t.ok(posted[0]?.body.includes('GET /sync'), 'the request\'s span')
  t.ok(posted[0]?.body.includes('checkout'), 'the service\'s name')
})

t.test('a collector that never answers holds the close for a limited time, and says so', async (t) => {
  const collector = await serve(t, () => {})
  const logLines: string[] = []
  const app = await build(t, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin, LOG_LEVEL: 'warn' }, logLines })
  await app.inject('/sync')
  await app.close()
  t.match(logLines.map((line) => JSON.parse(line)), [
    { level: 40, msg: 'traces not all sent at the close: the collector did not take them within 2000 ms' }
  ])
})

t.test('a collector that refuses the spans at the close is told in the log', async (t) => {
  const collector = await serve(t, (request, response) => {
    request.resume()
    response.statusCode = 400
    response.end()
  })
  const logLines: string[] = []
  const app = await build(t, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin, LOG_LEVEL: 'warn' }, logLines })
  await app.inject('/sync')
  await app.close()
  t.match(logLines.map((line) => JSON.parse(line)), [
    { level: 40, msg: 'trace export failing: spans are dropped until it works again' },
    { level: 40, msg: 'traces not all sent at the close: Bad Request' }
  ])
})
