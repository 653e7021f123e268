// The probes' answers: a status word, and for readiness the reason it is not ready.
import { Type } from 'typebox'

/** A probe's answer under one status. */
export function ProbeResponse (description: string) {
  return Type.Object({
    status: Type.Union(
      [Type.Literal('ok'), Type.Literal('stopping'), Type.Literal('under pressure'), Type.Literal('redis unreachable')],
      { description: 'ok; or, from /ready, why the service takes no traffic' }
    )
  }, { description })
}
