// GET /cpu's and /cpu/blocking's answer.
import { Type } from 'typebox'

export const PrimesResponse = Type.Object({
  n: Type.Integer({ description: 'the bound asked for' }),
  primes: Type.Integer({ description: 'how many primes are below n' }),
  ms: Type.Number({ description: 'how long counting took, in ms, waiting for a thread left out' })
}, { description: 'The primes below n, counted' })
