// Request ids: a client's well-formed x-request-id is kept, anything else is replaced by a fresh UUID.
import { randomUUID } from 'node:crypto'

export const REQUEST_ID_HEADER = 'x-request-id'

const WELL_FORMED = /^[\w.:-]{1,64}$/

/** The id for a request that sent `header` (undefined, or an array when the header was repeated). */
export function requestIdFrom (header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID()
}
