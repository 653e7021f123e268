// The live updates' baseline: bare Fastify holding event streams (GET /events) as its user would, no plugin, logger
// off.
import Fastify from 'fastify'

const HTML = 'text/html; charset=utf-8'
const fastify = Fastify({ logger: false })
const streams = new Set()
let seq = 0

// Every LIVE_INTERVAL_MS an update in the service's format, written to every stream in one loop. Unref'd: once the
// server has closed, the timer does not keep the process up.
setInterval(() => {
  seq++
  const data = JSON.stringify({ seq, at: new Date().toISOString(), latencyMs: 0, ok: true })
  const frame = `event: update\nid: ${seq}\ndata: ${data}\n\n`
  for (const res of streams) res.write(frame)
}, Number(process.env.LIVE_INTERVAL_MS)).unref()

fastify.get('/events', (request, reply) => {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.write('retry: 2000\n\n')
  streams.add(res)
  res.on('close', () => { streams.delete(res) })
})
// The seed's /sync, by which the harness knows the server is up.
fastify.get('/sync', (request, reply) => {
  reply.type(HTML).send('This is a normal sync route.')
})

process.once('SIGTERM', () => fastify.close())
await fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
