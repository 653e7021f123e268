// The probes' answers: a status word (for readiness, why it is not ready), and from liveness, whether Redis and the
// database are up.
import { Type } from 'typebox'

/** A probe's answer under one status. */
export function ProbeResponse (description: string) {
  return Type.Object({
    status: Type.Union(
      [Type.Literal('ok'), Type.Literal('stopping'), Type.Literal('under pressure')],
      { description: 'ok; or, from /ready, why the service takes no traffic' }
    ),
    redis: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')], {
      description: 'with REDIS_URL, from /health: whether this process counts on Redis now. Information only: the ' +
        'routes that need Redis answer 503 while it is down, and neither probe fails for it'
    })),
    database: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')], {
      description: 'with DATABASE_URL, from /health: down from a connection to PostgreSQL refused or lost until a ' +
        'call gets one again. Information only: the calls fail with 502 while it is down, and neither probe fails ' +
        'for it'
    }))
  }, { description })
}
