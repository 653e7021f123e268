// The chat room the config asks for: in this process's memory, or, with REDIS_URL, shared by the replicas in Redis.
import type { RedisParts } from '../redis/port.ts'
import { MemoryChatHub } from './memory.ts'
import type { ChatHub, ChatHubOptions } from './port.ts'

/** The room shared through `redis` (Redis's parts for the chat) when there is one, else this process's. */
export async function createChatHub (options: ChatHubOptions, redis?: RedisParts): Promise<ChatHub> {
  if (redis === undefined) return new MemoryChatHub(options)
  // Loaded only to be used: without REDIS_URL the service loads no Redis client.
  const { RedisChatHub } = await import('./redis.ts')
  return new RedisChatHub({ ...redis, ...options })
}
