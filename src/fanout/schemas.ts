// GET /fanout's answer: each call's outcome and time, the time of the whole, and what the calls would take one by one.
import { Type } from 'typebox'

export const FanoutMode = Type.Union([Type.Literal('parallel'), Type.Literal('sequential')], {
  description: 'parallel: every call at once; sequential: one after another'
})

export const FanoutResult = Type.Object({
  mode: FanoutMode,
  calls: Type.Array(Type.Object({
    ok: Type.Boolean({ description: 'whether the call succeeded' }),
    ms: Type.Number({ description: 'how long the call took, in ms' }),
    error: Type.Optional(Type.String({ description: 'why the call failed' }))
  }), { description: 'each call, in the order they were made' }),
  elapsedMs: Type.Number({ description: 'how long all the calls took, in ms' }),
  sumMs: Type.Number({ description: "the sum of the calls' times: what one after another takes" })
}, { description: 'Every call, succeeded or failed (at least one succeeded)' })
