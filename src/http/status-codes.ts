// Node's reason phrase for each status code, read through require: an ES import of node:http makes Node build the
// module's ES facade, which reads every export, the lazy WebSocket ones too, and so loads Node's own copy of undici
// (about 18 ms of each start) for nothing the service uses.
import { createRequire } from 'node:module'

const http = createRequire(import.meta.url)('node:http') as { STATUS_CODES: Record<string, string | undefined> }

export const STATUS_CODES = http.STATUS_CODES
