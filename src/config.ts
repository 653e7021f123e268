// The service's configuration: one typebox schema for the environment, and the loader that validates it at start.
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['production', 'development', 'test'], {
    default: 'production',
    description: 'production hides the detail of 5xx errors from clients (the log keeps it)'
  }),
  HOST: Type.String({ default: '127.0.0.1', description: 'address to listen on (0.0.0.0 in a container)' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info', description: "pino's level; silent logs nothing" }),
  ROOT_DELAY_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 1000, description: 'latency of the slow dependency awaited by GET /' }),
  WAIT_DELAY_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2000, description: 'latency awaited by GET /wait without ?seconds' }),
  MAX_WAIT_SECONDS: Type.Number({ minimum: 0, maximum: 3600, default: 60, description: 'largest ?seconds GET /wait accepts' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'time a client has to send a whole request (0: no limit)' }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 72_000, description: 'how long an idle keep-alive connection stays open' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'how long a shutdown may take before the process exits with 1' })
})

export type Config = Static<typeof ConfigSchema>

export type ConfigResult = { ok: true, config: Config } | { ok: false, problems: string[] }

const VARIABLES = Object.keys(ConfigSchema.properties) as Array<keyof Config>

// Numbers in plain decimal only: typebox's Convert would read "0x10" as 16 and cut "80.5" down to 80.
const DECIMAL = /^-?\d+(\.\d+)?$/

type PropertySchema = TSchema & { enum?: readonly string[], type?: string, minimum?: number, maximum?: number }

/** Reads the variables the schema knows from `env` (an empty value counts as unset), fills defaults, validates. */
export function loadConfig (env: Record<string, string | undefined>): ConfigResult {
  const given: Record<string, string> = {}
  const values: Record<string, string | number> = {}
  for (const name of VARIABLES) {
    const value = env[name]
    if (value === undefined || value === '') continue
    given[name] = value
    values[name] = isNumeric(ConfigSchema.properties[name]) && DECIMAL.test(value) ? Number(value) : value
  }
  const config = Value.Default(ConfigSchema, values)
  if (Value.Check(ConfigSchema, config)) return { ok: true, config }

  const invalid = new Set(Value.Errors(ConfigSchema, config).map((error) => error.instancePath.slice(1)))
  const problems = VARIABLES.filter((name) => invalid.has(name)).map((name) =>
    `${name} must be ${expectation(ConfigSchema.properties[name])} (got ${JSON.stringify(given[name])})`)
  return { ok: false, problems }
}

function isNumeric (schema: PropertySchema): boolean {
  return schema.type === 'integer' || schema.type === 'number'
}

/** Says in words what a value of one of the schema's properties must be. */
function expectation (schema: PropertySchema): string {
  if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`
  const kind = schema.type === 'integer' ? 'an integer' : 'a number'
  return schema.maximum === undefined
    ? `${kind} of at least ${schema.minimum}`
    : `${kind} from ${schema.minimum} to ${schema.maximum}`
}
