// The process, once src/server.ts has checked Node and turned its compile cache on: read config (.env first), build
// Fastify, serve the app, and close gracefully on signals.
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import app from '../app.ts'
import { loadConfig, stopLimitMs } from '../config/index.ts'
import { listenProblem } from './listen-problem.ts'
import { serverOptions } from './options.ts'

/**
 * Signals that arrive this soon after the first are the same request to stop: Ctrl-C in a terminal signals the whole
 * process group, and npm forwards its own copy a few milliseconds later. A later one means "stop now".
 */
const REPEAT_WINDOW_MS = 500
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

let dotenv: Record<string, string> = {}
try {
  dotenv = parseEnv(readFileSync('.env', 'utf8')) as Record<string, string>
} catch (error) {
  const { code, message } = error as NodeJS.ErrnoException
  if (code !== 'ENOENT') {
    console.error(`Cannot read .env: ${message}`)
    process.exit(1)
  }
}

const result = await loadConfig(process.env, dotenv)
if (!result.ok) {
  for (const problem of result.problems) console.error(`Invalid configuration: ${problem}`)
  process.exit(1)
}
const { config } = result

const fastify = Fastify(serverOptions(config))
// Not encapsulated (as the test helper registers it too), so that the shutdown it decorates is reachable here.
await fastify.register(fp(app), { config })

// close-with-grace handles errors and the other signals; SIGINT and SIGTERM come here first, for the window above.
// Its limit covers the whole stop: the delay, then the drain, whose requests still waiting are answered 503 shortly
// before it ends (plugins/app/shutdown.ts). Past it, something still hangs: the process exits with 1.
let closingSince: number | undefined
const grace = closeWithGrace({
  delay: stopLimitMs(config),
  logger: fastify.log,
  skip: [...STOP_SIGNALS]
}, async ({ signal, err }) => {
  closingSince ??= performance.now()
  if (err !== undefined) fastify.log.error({ err }, 'closing after an uncaught error')
  else if (signal !== undefined) fastify.log.info({ signal }, 'closing')
  await fastify.shutdown.stop()
  fastify.log.info({ durationMs: Math.round(performance.now() - closingSince) }, 'stopped')
})

for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    if (closingSince === undefined) {
      fastify.log.info({ signal }, 'closing')
      void grace.close()
    } else if (performance.now() - closingSince > REPEAT_WINDOW_MS) {
      fastify.log.error({ signal }, `second ${signal}: exiting at once`)
      process.exit(1)
    }
  })
}

try {
  await fastify.listen({ host: config.HOST, port: config.PORT, backlog: config.LISTEN_BACKLOG })
} catch (error) {
  console.error(listenProblem(error as NodeJS.ErrnoException, config.HOST, config.PORT))
  process.exit(1)
}
