// The process: read config (.env first), build Fastify, serve the app, and close gracefully on signals.
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app from './app.js'
import { loadConfig } from './config.js'
import { serverOptions } from './server-options.js'

try {
  process.loadEnvFile()
} catch (error) {
  const { code, message } = error as NodeJS.ErrnoException
  if (code !== 'ENOENT') {
    console.error(`Cannot read .env: ${message}`)
    process.exit(1)
  }
}

const result = loadConfig(process.env)
if (!result.ok) {
  for (const problem of result.problems) console.error(`Invalid configuration: ${problem}`)
  process.exit(1)
}
const { config } = result

const fastify = Fastify(serverOptions(config))
await fastify.register(app, { config })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: fastify.log }, async ({ signal, err }) => {
  if (err !== undefined) fastify.log.error({ err }, 'closing after an uncaught error')
  else fastify.log.info({ signal }, 'closing')
  await fastify.close()
})

try {
  await fastify.listen({ host: config.HOST, port: config.PORT })
} catch (err) {
  fastify.log.fatal({ err }, 'could not listen')
  process.exit(1)
}
