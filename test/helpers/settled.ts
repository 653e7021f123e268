// How the tests wait on a promise: for what it rejected with, or for at most so long.

/** What `promise` rejected with; fails if it resolved. */
export async function rejection (promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => { throw new Error('resolved, expected a rejection') }, (error: unknown) => error)
}

/** `promise`, or a rejection if it takes longer than `ms`: a call that hangs fails the test instead of the file. */
export async function within<T> (ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`still pending after ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
