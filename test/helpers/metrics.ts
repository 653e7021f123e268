// A series' value as GET /metrics says it, for the tests that read the app's metrics.
import type { FastifyInstance } from 'fastify'

/** The value of `series` (its name and labels, as /metrics writes them); NaN when /metrics has no such series. */
export async function metric (fastify: FastifyInstance, series: string): Promise<number> {
  const line = (await fastify.inject('/metrics')).body.split('\n').find((line) => line.startsWith(`${series} `))
  return Number(line?.slice(series.length + 1))
}
