// The task store the config asks for: this process's own, or, with REDIS_URL, the one the replicas share (BullMQ).
import type { RedisParts } from '../redis/port.ts'
import { MemoryTaskStore } from './memory.ts'
import type { TaskStore, TaskStoreOptions } from './port.ts'

/** The store shared through `redis` (Redis's parts for the tasks) when there is one, else this process's. */
export async function createTaskStore (options: TaskStoreOptions, redis?: RedisParts): Promise<TaskStore> {
  if (redis === undefined) return new MemoryTaskStore(options)
  // Loaded only to be used: without REDIS_URL the service loads neither BullMQ nor ioredis.
  const { RedisTaskStore } = await import('./redis.ts')
  return new RedisTaskStore({ ...redis, ...options })
}
