// compare's run: each probe asked of Flask twice (the second to learn its noise; a write once) and of the service
// once, one after the other, so that no answer's time is another's wait.
import { ask } from './answers.ts'
import { compareAnswers, type CompareOptions, type Comparison } from './compare.ts'
import { SAFE_METHODS, type Probe } from './probes.ts'

/** How long an answer may take: past any route's deadline. */
const ANSWER_TIMEOUT_MS = 60_000

export async function compareAll (
  probes: Probe[],
  flaskUrl: string,
  serviceUrl: string,
  options: CompareOptions
): Promise<Comparison[]> {
  const comparisons: Comparison[] = []
  for (const probe of probes) {
    const flask = await ask(flaskUrl, probe, ANSWER_TIMEOUT_MS)
    // A write is sent to Flask once: a second would see the first's effect, not noise.
    const again = SAFE_METHODS.includes(probe.method) ? await ask(flaskUrl, probe, ANSWER_TIMEOUT_MS) : undefined
    const service = await ask(serviceUrl, probe, ANSWER_TIMEOUT_MS)
    comparisons.push(compareAnswers(probe, [flask, again], service, options))
  }
  return comparisons
}
