// Counts primes by trial division: deliberately CPU-bound (no sieve, no cache), the stand-in for real CPU work such as
// resizing an image, so that where it runs, on the event loop or on a worker thread, shows.

/** The primes below `n`, counted, and how long counting took in ms (to a tenth). */
export interface PrimeCount {
  primes: number
  ms: number
}

/** How many primes are below `n`: 2, then each odd number with no odd divisor up to its square root. */
export function countPrimes (n: number): number {
  if (n <= 2) return 0
  let count = 1
  for (let candidate = 3; candidate < n; candidate += 2) {
    let prime = true
    for (let divisor = 3; divisor * divisor <= candidate; divisor += 2) {
      if (candidate % divisor === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return count
}

/** countPrimes(n), timed. */
export function timedCount (n: number): PrimeCount {
  const started = performance.now()
  const primes = countPrimes(n)
  return { primes, ms: Math.round((performance.now() - started) * 10) / 10 }
}
