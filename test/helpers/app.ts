// Builds the real app with test config (short delays, silent log unless asked) and closes it when the test ends.
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Test } from 'tap'
import app from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config/index.ts'
import { serverOptions } from '../../src/server/options.ts'

/** The Content-Type Flask gives a view's string (the seed's README): the seed's routes must answer with it. */
export const HTML = 'text/html; charset=utf-8'

/**
 * Config as the tests run it: short delays, no log, a chat presence frame for each join and leave, and no load
 * shedding on event-loop delay, which a busy machine loading the app's modules can reach on a first request; `env`
 * overrides any variable.
 */
export async function testConfig (env: Record<string, string> = {}): Promise<Config> {
  const result = await loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ROOT_DELAY_MS: '50',
    WAIT_DELAY_MS: '100',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    CHAT_PRESENCE_INTERVAL_MS: '0',
    ...env
  })
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

export interface BuildOptions {
  env?: Record<string, string>
  /** Receives the log lines. */
  logLines?: string[]
  /** Adds hooks before the app is registered, such as onRoute to see the app's routes. */
  before?: (fastify: FastifyInstance) => void
  /** Adds routes or hooks next to the app's, before it is ready. */
  extend?: (fastify: FastifyInstance) => void
}

/**
 * The app, ready for inject(); wrapped with fastify-plugin so tests see its decorators, as fastify-cli's helper does.
 */
export async function build (t: Test, { env, logLines, before, extend }: BuildOptions = {}): Promise<FastifyInstance> {
  const config = await testConfig(env)
  const stream = logLines === undefined ? undefined : { write: (line: string) => { logLines.push(line) } }
  const fastify = Fastify(serverOptions(config, stream))
  before?.(fastify)
  await fastify.register(fp(app), { config })
  extend?.(fastify)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}
