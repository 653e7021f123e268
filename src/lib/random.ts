// A seeded source of random numbers (mulberry32): the same seed gives the same sequence, so tests and benchmarks
// repeat.

/** Numbers in [0, 1) from `seed`; without a seed, Math.random. */
export function randomSource (seed?: number): () => number {
  if (seed === undefined) return Math.random
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
