// The access line of a request, written as pino writes `log.info({ method, url, statusCode, responseTime },
// 'request completed')` with this service's logger options (no formatters, mixin or message key of its own), but
// without pino's generic serializer, which walks the object and checks each key for a serializer: the fields are known,
// so the line is one template. Its level, time and bindings (reqId, the trace ids) are the logger's own.
// test/src/server/access-line.test.ts holds it to pino's line for the same fields.
import type { FastifyBaseLogger } from 'fastify'
import pino, { type Logger } from 'pino'

const { chindingsSym, lsCacheSym, streamSym, timeSym } = pino.symbols
const INFO = 30

export interface AccessFields {
  method: string
  url: string
  statusCode: number
  responseTime: number
}

/** Writes the access line to `log`'s stream, if `log` writes info lines. */
export function writeAccessLine (log: FastifyBaseLogger, fields: AccessFields): void {
  // pino's own state: the line's start for each level, the time function, the bindings serialized, the stream.
  const internals = log as unknown as Record<symbol, unknown>
  // Another logger (Fastify's own when logging is off, which writes nothing) is given the fields as any log call.
  if (internals[streamSym] === undefined) {
    log.info(fields, 'request completed')
    return
  }
  if (!(log as Logger).isLevelEnabled('info')) return
  const start = (internals[lsCacheSym] as Record<number, string>)[INFO] as string
  const time = (internals[timeSym] as () => string)()
  const bindings = internals[chindingsSym] as string
  const stream = internals[streamSym] as { write: (line: string) => void }
  stream.write(
    `${start}${time}${bindings},"method":${JSON.stringify(fields.method)},"url":${JSON.stringify(fields.url)},` +
    `"statusCode":${fields.statusCode},"responseTime":${fields.responseTime},` +
    '"msg":"request completed"}\n'
  )
}
