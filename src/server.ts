// The process: read config (.env first), build Fastify, serve the app, and close gracefully on signals.
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app from './app.js'
import { limitOrNone, loadConfig } from './config.js'
import { serverOptions } from './server-options.js'

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
await fastify.register(app, { config })

// close-with-grace handles errors and the other signals; SIGINT and SIGTERM come here first, for the window above.
let closingSince: number | undefined
const grace = closeWithGrace({
  delay: limitOrNone(config.SHUTDOWN_TIMEOUT_MS),
  logger: fastify.log,
  skip: [...STOP_SIGNALS]
}, async ({ signal, err }) => {
  closingSince ??= performance.now()
  if (err !== undefined) fastify.log.error({ err }, 'closing after an uncaught error')
  else if (signal !== undefined) fastify.log.info({ signal }, 'closing')
  await fastify.close()
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
  await fastify.listen({ host: config.HOST, port: config.PORT })
} catch (err) {
  fastify.log.fatal({ err }, 'could not listen')
  process.exit(1)
}
