// Redis's fragment of the config: the server every replica shares.
import { Type } from 'typebox'

export const redisConfig = {
  REDIS_URL: Type.Optional(Type.String({
    pattern: '^rediss?://\\S+$',
    description: 'a Redis server (redis://[user:password@]host:port[/db]) through which replicas share the live feed, the chat, the background tasks and the rate limit; unset: all in this process',
    expected: 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379'
  }))
}
