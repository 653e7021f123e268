// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header-09, as Stripe does it) on the routes that opt in with
// `config: { idempotent: true }`: the first request with a key is carried out and its answer kept for
// IDEMPOTENCY_TTL_MS; a repeat with the same body gets that answer again (Idempotent-Replayed: true), with another body
// a 422, while the first is still being handled a 409 with Retry-After. A request without a key goes as it would,
// unless IDEMPOTENCY_REQUIRED=true (a 400), or it comes through a trusted proxy (TRUST_PROXY) with an X-Request-Id:
// then that id, the same on each of the proxy's retries of one request, is its key for a few minutes, so that nginx
// may send a POST again to another replica. A 5xx is not kept: its request was not carried out, and a repeat runs it.
// What Redis was away for when a request ended (its answer to keep, or its key to free) is written once it is back.
import { createHash } from 'node:crypto'
import { httpErrors } from '@fastify/sensible'
import type {
  FastifyBaseLogger, FastifyReply, FastifyRequest, onSendAsyncHookHandler, preHandlerAsyncHookHandler
} from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { ErrorResponse } from '../../src/http/schemas.ts'
import { createIdempotencyStore } from '../../src/idempotency/index.ts'
import { MAX_KEY_LENGTH, readKey } from '../../src/idempotency/key.ts'
import type { KeptAnswer } from '../../src/idempotency/port.ts'
import { reach } from '../../src/redis/reach.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes Idempotency-Key. */
    idempotent?: boolean
  }
}

const HEADER = 'idempotency-key'
const REPLAYED = 'idempotent-replayed'
/** The headers a repeat gets again with the first answer's status and body. */
const KEPT_HEADERS = ['content-type', 'location'] as const
/**
 * How long a key stays begun when its request never ends (its process died), in ms: repeats get 409 meanwhile, then
 * run again. Far past any request's time.
 */
const PENDING_MS = 60_000
/**
 * How long the key a trusted proxy's request id makes is kept, in ms: the proxy sends a request again within its
 * timeouts (deploy/nginx: a minute at most), and a key a request would keep for a day costs memory for nothing.
 */
const PROXY_RETRY_MS = 300_000
/** What a client is told while Redis, which holds the keys, is unreachable. */
const UNAVAILABLE = 'Requests with an Idempotency-Key are unavailable for now; retry later'

export default fp(async (fastify) => {
  const { config, redis } = fastify
  const store = await createIdempotencyStore(
    redis === undefined ? undefined : { client: redis.client, prefix: config.REDIS_KEY_PREFIX }
  )
  const required = config.IDEMPOTENCY_REQUIRED === 'true'
  /** The key each first request holds until its answer is kept, its body's fingerprint, and how long it is kept. */
  const holding = new WeakMap<FastifyRequest, { key: string, fingerprint: string, ttlMs: number }>()
  /**
   * What Redis was away for, by key: an answer to keep, or a key to free, written when Redis is back. Else the key
   * would stay begun until PENDING_MS, its repeats answered 409 for a request no longer handled, and then carried out
   * again however it ended.
   */
  const owed = new Map<string, () => Promise<void>>()

  /** Writes what `key` ends with, or keeps it owed while Redis is away. */
  async function settle (key: string, write: () => Promise<void>, log: FastifyBaseLogger): Promise<void> {
    await write().catch((error: unknown) => {
      owed.set(key, write)
      log.warn({ err: error }, 'the answer to a request with an Idempotency-Key was not kept yet: ' +
        'it is kept once Redis is back')
    })
  }

  redis?.client.on('ready', () => {
    for (const [key, write] of owed) {
      owed.delete(key)
      void settle(key, write, fastify.log)
    }
  })

  /**
   * The key of `request` on `route`, and how long its answer is kept: its Idempotency-Key's, or, without one, its
   * trusted proxy's request id's; undefined for neither.
   */
  function keyOf (request: FastifyRequest, route: string): { key: string, ttlMs: number } | undefined {
    const header = request.headers[HEADER]
    if (header === undefined) {
      if (required) throw httpErrors.badRequest(`${route} requires an Idempotency-Key header`)
      // Forwarded by a proxy it trusts, the request's addresses are the client's and the proxy's (Fastify's ips).
      const id = request.headers['x-request-id']
      const proxied = (request.ips?.length ?? 0) > 1 && typeof id === 'string'
      // Apart from the clients' keys, whose characters are all printable: a tab none can name.
      return proxied ? { key: `${route}\trequest ${id}`, ttlMs: PROXY_RETRY_MS } : undefined
    }
    const read = readKey(header as string)
    if ('problem' in read) throw httpErrors.badRequest(read.problem)
    return { key: `${route} ${read.key}`, ttlMs: config.IDEMPOTENCY_TTL_MS }
  }

  /** Sends `answer` again, saying it is a repeat's. */
  function replay (reply: FastifyReply, answer: KeptAnswer): FastifyReply {
    return reply.code(answer.statusCode).headers({ ...answer.headers, [REPLAYED]: 'true' }).send(answer.body)
  }

  const begin: preHandlerAsyncHookHandler = async (request, reply) => {
    const keyed = keyOf(request, `${request.method} ${request.routeOptions.url}`)
    if (keyed === undefined) return
    const { key, ttlMs } = keyed
    const fingerprint = createHash('sha256').update(JSON.stringify(request.body ?? null)).digest('base64url')
    const begun = await reach(redis, UNAVAILABLE, async () => await store.begin(key, fingerprint, PENDING_MS))
    switch (begun.kind) {
      case 'first':
        holding.set(request, { key, fingerprint, ttlMs })
        return
      case 'in progress':
        throw httpErrors.createError(409,
          'A request with this Idempotency-Key is still being handled; retry after Retry-After',
          { headers: { 'retry-after': '1' } })
      case 'other body':
        throw httpErrors.createError(422,
          'This Idempotency-Key was sent with another request body: a new request needs a new key')
      case 'answered':
        return replay(reply, begun.answer)
    }
  }

  const keep: onSendAsyncHookHandler = async (request, reply, payload) => {
    const held = holding.get(request)
    if (held === undefined) return payload
    holding.delete(request)
    const { statusCode } = reply
    const answer = {
      statusCode,
      headers: Object.fromEntries(KEPT_HEADERS.flatMap((name) => {
        const value = reply.getHeader(name)
        return value === undefined ? [] : [[name, String(value)]]
      })),
      body: payload as string
    }
    const write = statusCode >= 500
      ? async () => { await store.release(held.key) }
      : async () => { await store.finish(held.key, held.fingerprint, answer, held.ttlMs) }
    await settle(held.key, write, request.log)
    return payload
  }

  fastify.addHook('onRoute', (route) => {
    if (route.config?.idempotent !== true) return
    route.preHandler = [route.preHandler ?? []].flat().concat(begin)
    route.onSend = [route.onSend ?? []].flat().concat(keep)
    route.schema = {
      ...route.schema,
      headers: Type.Object({
        [HEADER]: Type.Optional(Type.String({
          description: 'Names this request, so that a repeat gets its answer again rather than being carried out ' +
            `twice: a quoted string of 1 to ${MAX_KEY_LENGTH} printable ASCII characters, such as ` +
            '"8e03978e-40d5-43e8-bc93-6894a57f9324", kept for IDEMPOTENCY_TTL_MS (24 h by default)' +
            (required ? '; required' : '')
        }))
      }),
      response: {
        409: ErrorResponse('A request with this Idempotency-Key is still being handled: retry after Retry-After'),
        422: ErrorResponse('This Idempotency-Key was sent with another request body'),
        ...(route.schema?.response as object | undefined)
      }
    }
  })
}, { name: 'idempotency', dependencies: ['config', 'redis'] })
