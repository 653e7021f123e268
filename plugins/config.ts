// Makes the validated config available as fastify.config.
import fp from 'fastify-plugin'
import type { Config } from '../src/config/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export default fp<{ config: Config }>(async (fastify, { config }) => {
  fastify.decorate('config', config)
}, { name: 'config' })
