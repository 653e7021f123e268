// compare's run: a request that changes nothing goes to Flask twice (the second to learn its noise), a write once,
// and each to the service once, in turn.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { compareAll } from '../../parity/compare-all.ts'

/** An app that answers every request alike and records its method; its base URL and what it saw. */
async function recording (t: Test): Promise<{ url: string, seen: string[] }> {
  const seen: string[] = []
  const server = createServer((request, response) => {
    seen.push(request.method as string)
    response.end('ok')
  })
  t.teardown(() => { server.close() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

t.test('a GET asked of Flask twice and of the service once; a POST of each once', async (t) => {
  const [flask, service] = [await recording(t), await recording(t)]
  const comparisons = await compareAll(
    [{ method: 'GET', path: '/a', headers: {} }, { method: 'POST', path: '/a', headers: {}, body: '{}' }],
    flask.url, service.url, { rules: [], normaliseWhitespace: false, timeToleranceMs: 1000 })
  t.same(flask.seen, ['GET', 'GET', 'POST'])
  t.same(service.seen, ['GET', 'POST'])
  t.same(comparisons.map(({ probe, differences }) => [probe, differences]), [['GET /a', []], ['POST /a', []]])
})
