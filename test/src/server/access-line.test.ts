// The access line written by hand is the line pino writes for the same fields with the service's logger, byte for
// byte but the time: whatever the URL holds, with the request's bindings, and nothing below the log level.
import Fastify, { type FastifyBaseLogger } from 'fastify'
import t from 'tap'
import { writeAccessLine, type AccessFields } from '../../../src/server/access-line.ts'
import { serverOptions } from '../../../src/server/options.ts'
import { testConfig } from '../../helpers/app.ts'

/** A request's logger as the service makes it, with LOG_LEVEL `level`, and the lines it writes. */
async function requestLogger (level: string): Promise<{ log: FastifyBaseLogger, lines: string[] }> {
  const lines: string[] = []
  const fastify = Fastify(serverOptions(await testConfig({ LOG_LEVEL: level }), { write: (line) => lines.push(line) }))
  return { log: fastify.log.child({ reqId: 'c0ffee' }), lines }
}

const withoutTime = (line: string | undefined): string | undefined => line?.replace(/"time":\d+/, '"time":0')

t.test("each line is pino's for the same fields, but its time", async (t) => {
  const { log, lines } = await requestLogger('info')
  // Node's parser gives a URL of single bytes (\u0000 to \u00ff); wider characters are here for good measure, but not a
  // lone surrogate, which no URL holds and which pino writes as it is before Node 25 (JSON.stringify's escape since).
  const urls = [
    '/sync',
    '/wait?seconds=0.5&name="quoted"\\back',
    '/caf\u00e9/\u00ff\u0080',
    '/\u65e5\u672c',
    '/control\u0001\u001f\u007f',
    `/long/${'x'.repeat(200)}`
  ]
  for (const url of urls) {
    const fields: AccessFields = { method: 'GET', url, statusCode: 200, responseTime: 0.123456789 }
    writeAccessLine(log, fields)
    log.info(fields, 'request completed')
    const [byHand, byPino] = lines.splice(0)
    t.equal(withoutTime(byHand), withoutTime(byPino), url)
    t.ok(JSON.parse(byHand as string).time > 0, 'with its time')
  }
  writeAccessLine(log, { method: 'DELETE', url: '/tasks/1', statusCode: 405, responseTime: 12 })
  t.same(JSON.parse(lines[0] as string), {
    level: 30,
    time: JSON.parse(lines[0] as string).time,
    pid: process.pid,
    hostname: JSON.parse(lines[0] as string).hostname,
    reqId: 'c0ffee',
    method: 'DELETE',
    url: '/tasks/1',
    statusCode: 405,
    responseTime: 12,
    msg: 'request completed'
  })
})

t.test('below the log level, nothing is written', async (t) => {
  const { log, lines } = await requestLogger('warn')
  writeAccessLine(log, { method: 'GET', url: '/sync', statusCode: 200, responseTime: 1 })
  t.same(lines, [])
})

t.test("another logger is given the fields as a log call's object", async (t) => {
  const calls: unknown[][] = []
  const log = { info: (...args: unknown[]) => { calls.push(args) } } as unknown as FastifyBaseLogger
  writeAccessLine(log, { method: 'GET', url: '/sync', statusCode: 200, responseTime: 1 })
  t.same(calls, [[{ method: 'GET', url: '/sync', statusCode: 200, responseTime: 1 }, 'request completed']])
})
