// Records every module resolved from the call on, by import or require: for the tests that check what the app loads.
import { registerHooks } from 'node:module'

/** The URLs of the modules resolved from now on, in order, growing as more load. */
export function recordResolvedModules (): string[] {
  const resolved: string[] = []
  registerHooks({
    resolve (specifier, context, nextResolve) {
      const result = nextResolve(specifier, context)
      resolved.push(result.url)
      return result
    }
  })
  return resolved
}
