// The service's configuration: one typebox schema for the environment, and the loader that validates it at start.
import { lookup } from 'node:dns/promises'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The longest any duration may be: an hour, well inside what Node's timers hold (about 24.8 days). */
const MAX_DURATION_MS = 3_600_000

/** A duration in ms. 0 means none, for every duration: no wait for a delay, no limit for a timeout. */
const Duration = (defaultMs: number, description: string): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS, default: defaultMs, description })

/** A size in bytes, at least `minimum`. */
const Bytes = (defaultBytes: number, minimum: number, description: string): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, default: defaultBytes, description })

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['production', 'development', 'test'], {
    default: 'production',
    description: 'production hides the detail of 5xx errors from clients (the log keeps it)'
  }),
  HOST: Type.String({ default: '127.0.0.1', description: 'address to listen on (0.0.0.0 in a container)' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info', description: "pino's level; silent logs nothing" }),
  ROOT_DELAY_MS: Duration(1000, 'latency of the slow dependency awaited by GET /'),
  WAIT_DELAY_MS: Duration(2000, 'latency awaited by GET /wait without ?seconds'),
  MAX_WAIT_SECONDS: Type.Number({ minimum: 0, maximum: MAX_DURATION_MS / 1000, default: 60, description: 'largest ?seconds GET /wait accepts' }),
  REQUEST_TIMEOUT_MS: Duration(10_000, 'time a client has to send a whole request'),
  KEEP_ALIVE_TIMEOUT_MS: Duration(72_000, 'how long an idle keep-alive connection stays open'),
  CONNECTION_TIMEOUT_MS: Duration(120_000, 'how long a connection may pass nothing either way, mid-request too (a client that stops reading)'),
  BODY_LIMIT_BYTES: Bytes(1_048_576, 1, 'largest request body accepted; a larger one is refused with 413'),
  MAX_HEADER_BYTES: Bytes(16_384, 1, "largest request head (request line and headers); a larger one is refused with 431"),
  // The kernel caps it at its own limit (Linux: net.core.somaxconn), so the default asks for as many as it allows.
  LISTEN_BACKLOG: Type.Integer({ minimum: 1, maximum: 65_535, default: 65_535, description: 'connections the kernel queues until the service accepts them' }),
  SHUTDOWN_DELAY_MS: Duration(5000, 'after SIGTERM, how long the service keeps serving (with /ready at 503) before it drains'),
  SHUTDOWN_TIMEOUT_MS: Duration(10_000, 'after the delay, how long draining may take; requests still waiting near its end get 503'),
  MAX_EVENT_LOOP_DELAY_MS: Duration(1000, 'mean event-loop delay over which requests get 503 (0: not checked)'),
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'event-loop utilization over which requests get 503 (0: not checked)' }),
  MAX_HEAP_USED_BYTES: Bytes(0, 0, 'heap in use over which requests get 503 (0: not checked)'),
  MAX_RSS_BYTES: Bytes(0, 0, 'resident memory over which requests get 503 (0: not checked)'),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'requests a client address may make per window; 0 turns rate limiting off' }),
  TRUST_PROXY: Type.Optional(Type.String({ pattern: '^[\\w.:/]+(,\\s*[\\w.:/]+)*$', description: "the proxies in front whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated, or loopback, linklocal, uniquelocal (Fastify's trustProxy); the client's address, for the rate limit and the log, is then the one they forwarded; unset: none" })),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, maximum: MAX_DURATION_MS, default: 60_000, description: 'the rate limit window, in ms' }),
  REQUEST_DEADLINE_MS: Duration(30_000, 'how long a request may take from its start; past it, 504 and its dependency calls cancelled'),
  DEPENDENCY_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+/?$', description: "an upstream's origin (http://host:port) whose /wait the dependency calls; unset: the simulator" })),
  DEPENDENCY_JITTER_MS: Duration(0, "simulator: up to this much latency added at random to each call's own"),
  DEPENDENCY_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'simulator: the share of calls that fail (0 to 1)' }),
  DEPENDENCY_SEED: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: "simulator: seed of the jitter's and failures' random source, for runs that repeat exactly; unset: a new seed each start" })),
  DEPENDENCY_POOL_SIZE: Type.Integer({ minimum: 0, maximum: 65_535, default: 0, description: 'calls to the dependency at once; more wait in a queue, as for database connections (0: no limit)' }),
  DEPENDENCY_QUEUE_TIMEOUT_MS: Duration(1000, 'how long a call may wait for a pool slot; past it, 503 with Retry-After (0: no limit)'),
  FANOUT_MAX_CALLS: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'largest ?calls GET /fanout accepts' }),
  CPU_POOL_THREADS: Type.Integer({ minimum: 0, maximum: 256, default: 0, description: 'worker threads for CPU work; 0: one per CPU core but the one the event loop runs on, at least one' }),
  CPU_MAX_QUEUE: Type.Integer({ minimum: 0, maximum: 100_000, default: 64, description: 'CPU tasks that may wait for a thread; past it, 503 with Retry-After' }),
  CPU_MAX_N: Type.Integer({ minimum: 2, maximum: 100_000_000, default: 8_000_000, description: 'largest ?n GET /cpu and /cpu/blocking accept (about a second of CPU)' }),
  TASKS_MAX_PENDING: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'background tasks that may be pending at once; past it, 503 with Retry-After' }),
  TASKS_TTL_MS: Duration(600_000, 'how long a background task stays readable after it ends'),
  TASKS_MAX_LATENCY_MS: Duration(60_000, 'largest latencyMs POST /tasks accepts'),
  LIVE_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: MAX_DURATION_MS, default: 1000, description: 'how often the live feed publishes an update (a dependency call and its result), while a client listens' }),
  LIVE_CALL_LATENCY_MS: Duration(100, 'latency of the dependency call behind each live update'),
  LIVE_HEARTBEAT_MS: Duration(15_000, 'how often each open event stream gets a comment line, so that proxies keep it open (0: none)'),
  LIVE_RETRY_MS: Duration(2000, 'how long event-stream clients are advised to wait before they reconnect (SSE retry:)'),
  LIVE_REPLAY_SIZE: Type.Integer({ minimum: 0, maximum: 100_000, default: 100, description: 'latest live updates kept to replay to a client that reconnects with Last-Event-ID' }),
  LIVE_MAX_BUFFERED_BYTES: Bytes(65_536, 1, 'bytes an event stream may hold unsent for a slow client; past it, the client is disconnected'),
  CHAT_HISTORY: Type.Integer({ minimum: 0, maximum: 10_000, default: 50, description: 'latest chat messages a newcomer gets first' }),
  CHAT_MAX_MESSAGE_BYTES: Type.Integer({ minimum: 1, maximum: 65_536, default: 2000, description: "longest chat text, in UTF-8 bytes; a frame over six times this plus 1 KiB closes the socket (1009)" }),
  CHAT_RATE_PER_10S: Type.Integer({ minimum: 1, maximum: 10_000, default: 20, description: 'chat messages a socket may send in any 10 s; more get an error frame' }),
  CHAT_HEARTBEAT_MS: Duration(30_000, 'how often each chat socket is pinged; one that has not answered the last ping by then is closed (0: none)'),
  CHAT_MAX_BUFFERED_BYTES: Bytes(1_048_576, 1, 'bytes a chat socket may hold unsent for a slow client; past it, the client is disconnected'),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://\\S+$', description: 'a Redis server (redis://[user:password@]host:port[/db]) through which replicas share the live feed, the chat, the background tasks and the rate limit; unset: all in this process' })),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: "an OTLP/HTTP collector's base URL (traces go to <it>/v1/traces); unset: no tracing, at no cost" })),
  OTEL_SERVICE_NAME: Type.String({ default: 'async-service', description: "the service's name on its traces" })
})

export type Config = Static<typeof ConfigSchema>

export type ConfigResult = { ok: true, config: Config } | { ok: false, problems: string[] }

type Variable = keyof Config

const VARIABLES = Object.keys(ConfigSchema.properties) as Variable[]

// Numbers in plain decimal only: typebox's Convert would read "0x10" as 16 and cut "80.5" down to 80.
const DECIMAL = /^-?\d+(\.\d+)?$/

type PropertySchema = TSchema & { enum?: readonly string[], type?: string, minimum?: number, maximum?: number }

/**
 * Reads the variables the schema knows from `env`, then from `dotenv` (the .env file's, which `env` overrides; an
 * empty value counts as unset), fills defaults and validates, HOST included: an IP address, or a name that resolves.
 */
export async function loadConfig (env: Record<string, string | undefined>, dotenv: Record<string, string> = {}): Promise<ConfigResult> {
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
  if (invalid.size === 0) return { ok: true, config: config as Config }

  const problems = VARIABLES.filter((name) => invalid.has(name)).map((name) => {
    const { value, fromDotenv } = given[name] as { value: string, fromDotenv: boolean }
    return `${name} must be ${expectation(name)} (got ${JSON.stringify(value)}${fromDotenv ? ' from .env' : ''})`
  })
  return { ok: false, problems }
}

/** An IP address, or a name the system resolves (an address is given back as it is, without asking DNS). */
async function resolves (host: string): Promise<boolean> {
  return await lookup(host).then(() => true, () => false)
}

function isNumeric (schema: PropertySchema): boolean {
  return schema.type === 'integer' || schema.type === 'number'
}

/** Says in words what the value of a variable must be. */
function expectation (name: Variable): string {
  if (name === 'HOST') return 'an IP address or a name that resolves'
  if (name === 'DEPENDENCY_URL') return 'an http:// or https:// origin, such as http://127.0.0.1:3001'
  if (name === 'TRUST_PROXY') return 'addresses or CIDRs, comma-separated, such as 10.0.0.0/8, 127.0.0.1'
  if (name === 'REDIS_URL') return 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379'
  if (name === 'OTEL_EXPORTER_OTLP_ENDPOINT') return 'an http:// or https:// URL, such as http://127.0.0.1:4318'
  const schema: PropertySchema = ConfigSchema.properties[name]
  if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`
  return `${schema.type === 'integer' ? 'an integer' : 'a number'} from ${schema.minimum} to ${schema.maximum}`
}

/** The longest a stop may take: the delay, then the drain; undefined when the drain has no limit (0). */
export function stopLimitMs ({ SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS }: Config): number | undefined {
  return SHUTDOWN_TIMEOUT_MS === 0 ? undefined : SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS
}
