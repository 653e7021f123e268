// Replicas of the service for the chat's tests: instances of the app built with the same REDIS_URL, each listening on
// a port of its own, with a WebSocket client that joins the room through one of them.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { build } from './app.ts'
import { until } from './upstream.ts'
import { ChatClient } from './ws-client.ts'

export interface ChatReplica {
  fastify: FastifyInstance
  /** The ws:// URL of GET /chat?name=`name` on this replica. */
  url: (name: string) => string
  /** A client joined under `name`, its history and its own join read and returned. */
  join: (name: string) => Promise<{ client: ChatClient, history: any, joined: any }>
  /** The replica's metrics text. */
  metrics: () => Promise<string>
}

/**
 * A replica sharing the Redis at `redisUrl`, listening, with Redis reached; `env` and `logLines` as build() takes them.
 */
export async function chatReplica (
  t: Test,
  redisUrl: string,
  env: Record<string, string> = {},
  logLines?: string[]
): Promise<ChatReplica> {
  const fastify = await build(t, {
    env: { REDIS_URL: redisUrl, SHUTDOWN_DELAY_MS: '0', ...env },
    ...(logLines === undefined ? {} : { logLines })
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  await until(() => fastify.redis?.up === true, 20_000)
  const { port } = fastify.server.address() as AddressInfo
  const url = (name: string): string => `ws://127.0.0.1:${port}/chat?name=${name}`
  return {
    fastify,
    url,
    async join (name) {
      const client = await ChatClient.connect(url(name))
      const history = await client.next()
      const joined = await client.next()
      t.match(history, { type: 'history' }, `${name} gets the history first`)
      t.match(joined, { type: 'presence', joined: [name] }, 'then its own join')
      return { client, history, joined }
    },
    metrics: async () => (await fastify.inject('/metrics')).body
  }
}
