// The service's configuration: one typebox schema for the environment, composed from the features' fragments, and
// the loader that validates it at start.
import { lookup } from 'node:dns/promises'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { chatConfig } from '../chat/config.ts'
import { cpuConfig } from '../cpu/config.ts'
import { dependencyConfig, dependencyConflicts } from '../dependency/config.ts'
import { fanoutConfig } from '../fanout/config.ts'
import { httpConfig } from '../http/config.ts'
import { idempotencyConfig } from '../idempotency/config.ts'
import { liveConfig } from '../live/config.ts'
import { redisConfig } from '../redis/config.ts'
import { serverConfig } from '../server/config.ts'
import { tasksConfig } from '../tasks/config.ts'
import { tracingConfig } from '../tracing/config.ts'

/** Each fragment with the title the configuration reference gives it, in the order the reference lists them. */
export const CONFIG_SECTIONS = [
  { title: 'Server', variables: serverConfig },
  { title: 'Every request', variables: httpConfig },
  { title: 'The dependency', variables: dependencyConfig },
  { title: 'Fan-out', variables: fanoutConfig },
  { title: 'CPU work', variables: cpuConfig },
  { title: 'Background tasks', variables: tasksConfig },
  { title: 'Idempotency keys', variables: idempotencyConfig },
  { title: 'Live updates', variables: liveConfig },
  { title: 'Chat', variables: chatConfig },
  { title: 'Redis', variables: redisConfig },
  { title: 'Tracing', variables: tracingConfig }
] as const

export const ConfigSchema = Type.Object({
  ...serverConfig,
  ...httpConfig,
  ...dependencyConfig,
  ...fanoutConfig,
  ...cpuConfig,
  ...tasksConfig,
  ...idempotencyConfig,
  ...liveConfig,
  ...chatConfig,
  ...redisConfig,
  ...tracingConfig
})

export type Config = Static<typeof ConfigSchema>

export type ConfigResult = { ok: true, config: Config } | { ok: false, problems: string[] }

type Variable = keyof Config

const VARIABLES = Object.keys(ConfigSchema.properties) as Variable[]

// Numbers in plain decimal only: typebox's Convert would read "0x10" as 16 and cut "80.5" down to 80.
const DECIMAL = /^-?\d+(\.\d+)?$/

/** A variable's schema as the loader reads it; `expected` words what a pattern or a check cannot say by itself. */
export type PropertySchema = TSchema & {
  enum?: readonly string[]
  type?: string
  minimum?: number
  maximum?: number
  default?: unknown
  description?: string
  expected?: string
}

/**
 * Reads the variables the schema knows from `env`, then from `dotenv` (the .env file's, which `env` overrides; an
 * empty value counts as unset), fills defaults and validates, HOST included: an IP address, or a name that resolves.
 */
export async function loadConfig (
  env: Record<string, string | undefined>,
  dotenv: Record<string, string> = {}
): Promise<ConfigResult> {
  const given: Partial<Record<Variable, { value: string, fromDotenv: boolean }>> = {}
  const values: Record<string, string | number> = {}
  for (const name of VARIABLES) {
    const fromEnv = env[name]
    // Unset or empty in the environment: .env's value, if it has one (empty there too counts as unset).
    const fromDotenv = fromEnv === undefined || fromEnv === ''
    const value = fromDotenv ? dotenv[name] : fromEnv
    if (!value) continue
    given[name] = { value, fromDotenv }
    values[name] = isNumeric(ConfigSchema.properties[name]) && DECIMAL.test(value) ? Number(value) : value
  }
  const config = Value.Default(ConfigSchema, values)
  const invalid = new Set(Value.Errors(ConfigSchema, config).map((error) => error.instancePath.slice(1)))
  if (!(await resolves((config as Config).HOST))) invalid.add('HOST')
  if (invalid.size === 0) {
    // Each variable valid alone: what some say together.
    const conflicts = dependencyConflicts(config as Config)
    return conflicts.length === 0 ? { ok: true, config: config as Config } : { ok: false, problems: conflicts }
  }

  const problems = VARIABLES.filter((name) => invalid.has(name)).map((name) => {
    const { value, fromDotenv } = given[name] as { value: string, fromDotenv: boolean }
    return `${name} must be ${expectation(ConfigSchema.properties[name])} ` +
      `(got ${JSON.stringify(withoutPassword(value))}${fromDotenv ? ' from .env' : ''})`
  })
  return { ok: false, problems }
}

/**
 * `value` with the password of a URL's user, if it has one, replaced by asterisks, up to the last @ (a password may
 * hold one, or a space, and the value is wrong anyway): a problem is printed.
 */
export function withoutPassword (value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/[^/@:\s]*:).*@/i, '$1***@')
}

/** An IP address, or a name the system resolves (an address is given back as it is, without asking DNS). */
async function resolves (host: string): Promise<boolean> {
  return await lookup(host).then(() => true, () => false)
}

function isNumeric (schema: PropertySchema): boolean {
  return schema.type === 'integer' || schema.type === 'number'
}

/** Says in words what the value of a variable must be. */
export function expectation (schema: PropertySchema): string {
  if (schema.expected !== undefined) return schema.expected
  if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`
  return `${schema.type === 'integer' ? 'an integer' : 'a number'} from ${schema.minimum} to ${schema.maximum}`
}

/** The longest a stop may take: the delay, then the drain; undefined when the drain has no limit (0). */
export function stopLimitMs ({ SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS }: Config): number | undefined {
  return SHUTDOWN_TIMEOUT_MS === 0 ? undefined : SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS
}
