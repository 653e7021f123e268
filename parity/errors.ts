// What npm run parity cannot do, said in one line on stderr with exit status 2, never a stack.

export class ParityError extends Error {
  override name = 'ParityError'
}
