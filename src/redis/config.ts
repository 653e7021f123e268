// Redis's fragment of the config: the server every replica shares, and what the service's keys there start with.
import { Type } from 'typebox'

export const redisConfig = {
  REDIS_URL: Type.Optional(Type.String({
    pattern: '^rediss?://\\S+$',
    description: 'a Redis server (redis://[user:password@]host:port[/db]) through which replicas share the live ' +
      'feed, the chat, the background tasks and the rate limit; unset: all in this process',
    expected: 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379'
  })),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[\\w.-]{1,64}$',
    default: 'async-service',
    description: 'what every key the service keeps in Redis starts with (<prefix>:chat:..., <prefix>:tasks:...), so ' +
      'that services may share a Redis',
    expected: 'letters, digits, _, . or -, at most 64'
  })
}
