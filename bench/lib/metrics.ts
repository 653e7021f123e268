// Reads the service's GET /metrics (Prometheus's text format) into figures the scenarios can check.

/** Each series, as `name` or `name{labels}` exactly as the service writes it, and its value. */
export type Series = Map<string, number>

/** Fetches /metrics from the service on `port`; the scrape is itself a request in flight while it is answered. */
export async function scrape (port: number): Promise<Series> {
  // Not kept alive: a connection left open would hold the service's in-flight tracking of connections.
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`)
  const series: Series = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    series.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return series
}

/** V8's heap in use, in bytes. */
export const HEAP_USED = 'nodejs_heap_size_used_bytes'

/** The value of one series, 0 when the service has not written it. */
export const value = (series: Series, name: string): number => series.get(name) ?? 0
