// Config: defaults, conversion from strings, .env beneath the environment, and one clear problem per invalid variable.
import t from 'tap'
import { ConfigSchema, loadConfig, stopLimitMs } from '../../../src/config/index.ts'

t.test('REDIS_KEY_PREFIX is a short run of letters, digits, _, . or -', async (t) => {
  const prefix = 'shop-2.eu_west'
  t.match(await loadConfig({ REDIS_KEY_PREFIX: prefix }), { ok: true, config: { REDIS_KEY_PREFIX: prefix } })
  for (const value of ['a b', 'a:b', 'x'.repeat(65)]) {
    t.same(await loadConfig({ REDIS_KEY_PREFIX: value }), {
      ok: false,
      problems: [`REDIS_KEY_PREFIX must be letters, digits, _, . or -, at most 64 (got ${JSON.stringify(value)})`]
    })
  }
})

t.test('with no variables every default applies', async (t) => {
  t.same(await loadConfig({}), {
    ok: true,
    config: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: 3000,
      LOG_LEVEL: 'info',
      ROOT_DELAY_MS: 1000,
      WAIT_DELAY_MS: 2000,
      MAX_WAIT_SECONDS: 60,
      REQUEST_TIMEOUT_MS: 10_000,
      KEEP_ALIVE_TIMEOUT_MS: 72_000,
      CONNECTION_TIMEOUT_MS: 120_000,
      BODY_LIMIT_BYTES: 1_048_576,
      MAX_HEADER_BYTES: 16_384,
      LISTEN_BACKLOG: 65_535,
      SHUTDOWN_DELAY_MS: 5000,
      SHUTDOWN_QUIET_MS: 500,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      MAX_EVENT_LOOP_DELAY_MS: 1000,
      MAX_EVENT_LOOP_UTILIZATION: 0,
      MAX_HEAP_USED_BYTES: 0,
      MAX_RSS_BYTES: 0,
      RATE_LIMIT_MAX: 0,
      RATE_LIMIT_WINDOW_MS: 60_000,
      REQUEST_DEADLINE_MS: 30_000,
      DEPENDENCY_JITTER_MS: 0,
      DEPENDENCY_FAILURE_RATE: 0,
      DEPENDENCY_QUEUE_TIMEOUT_MS: 1000,
      FANOUT_MAX_CALLS: 50,
      CPU_POOL_THREADS: 0,
      CPU_MAX_QUEUE: 64,
      CPU_MAX_N: 8_000_000,
      TASKS_MAX_PENDING: 1000,
      TASKS_TTL_MS: 600_000,
      TASKS_MAX_LATENCY_MS: 60_000,
      IDEMPOTENCY_TTL_MS: 86_400_000,
      IDEMPOTENCY_REQUIRED: 'false',
      LIVE_INTERVAL_MS: 1000,
      LIVE_CALL_LATENCY_MS: 100,
      LIVE_HEARTBEAT_MS: 15_000,
      LIVE_RETRY_MS: 2000,
      LIVE_REPLAY_SIZE: 100,
      LIVE_MAX_STREAMS_PER_CLIENT: 20,
      LIVE_MAX_STREAMS: 10_000,
      LIVE_MAX_BUFFERED_BYTES: 65_536,
      CHAT_HISTORY: 50,
      CHAT_MAX_MESSAGE_BYTES: 2000,
      CHAT_RATE_PER_10S: 20,
      CHAT_ROOM_RATE_PER_S: 50,
      CHAT_PRESENCE_INTERVAL_MS: 1000,
      CHAT_MAX_SOCKETS_PER_CLIENT: 20,
      CHAT_MAX_SOCKETS: 10_000,
      CHAT_HEARTBEAT_MS: 30_000,
      CHAT_MAX_BUFFERED_BYTES: 1_048_576,
      REDIS_KEY_PREFIX: 'async-service',
      OTEL_SERVICE_NAME: 'async-service'
    }
  })
})

t.test('DEPENDENCY_URL, an origin, and DEPENDENCY_SEED, an integer, have no default', async (t) => {
  for (const url of ['http://127.0.0.1:3001', 'https://api.example.com', 'http://[::1]:8080/', 'http://upstream']) {
    t.match(await loadConfig({ DEPENDENCY_URL: url }), { ok: true, config: { DEPENDENCY_URL: url } }, url)
  }
  for (const url of ['127.0.0.1:3001', 'ftp://host', 'http://host/path', 'http://host?x=1', 'http://', 'http://a b']) {
    t.same(await loadConfig({ DEPENDENCY_URL: url }), {
      ok: false,
      problems: [`DEPENDENCY_URL must be an http:// or https:// origin, such as http://127.0.0.1:3001 (got ${JSON.stringify(url)})`]
    }, url)
  }
  t.match(await loadConfig({ DEPENDENCY_SEED: '42' }), { ok: true, config: { DEPENDENCY_SEED: 42 } })
  t.same(await loadConfig({ DEPENDENCY_SEED: '-1' }),
    { ok: false, problems: ['DEPENDENCY_SEED must be an integer from 0 to 4294967295 (got "-1")'] })
})

t.test('DATABASE_URL, a postgres:// URL, has no default; its password is never repeated in a problem', async (t) => {
  for (const url of ['postgres://app:secret@127.0.0.1:5432/app', 'postgresql://db.example.com/orders', 'postgres://db']) {
    t.match(await loadConfig({ DATABASE_URL: url }), { ok: true, config: { DATABASE_URL: url } }, url)
  }
  for (const [url, shown] of [
    ['mysql://app@db/app', 'mysql://app@db/app'],
    ['postgres://app:hunter2@db/a b', 'postgres://app:***@db/a b'],
    ['postgres://app:my pass@db/app', 'postgres://app:***@db/app'],
    ['db:5432', 'db:5432']
  ] as const) {
    t.same(await loadConfig({ DATABASE_URL: url }), {
      ok: false,
      problems: ['DATABASE_URL must be a postgres:// or postgresql:// URL, such as ' +
        `postgres://app:secret@127.0.0.1:5432/app (got ${JSON.stringify(shown)})`]
    }, url)
  }
  t.same(await loadConfig({ DATABASE_URL: 'postgres://app:hunter2@db:99999/app' }), {
    ok: false,
    problems: ['DATABASE_URL is not a URL that can be read: check its port, and that special characters in the ' +
      'password are percent-encoded']
  }, 'a port out of range, with no password shown')
})

t.test('DATABASE_URL refuses DEPENDENCY_URL beside it, and a pool without a limit; its pool has 10 by default',
  async (t) => {
    const database = 'postgres://app@127.0.0.1/app'
    t.same(await loadConfig({ DATABASE_URL: database, DEPENDENCY_URL: 'http://127.0.0.1:3001' }), {
      ok: false,
      problems: ['DATABASE_URL and DEPENDENCY_URL cannot both be set: the dependency is PostgreSQL or an HTTP upstream']
    })
    t.same(await loadConfig({ DATABASE_URL: database, DEPENDENCY_POOL_SIZE: '0' }), {
      ok: false,
      problems: ['DEPENDENCY_POOL_SIZE must be from 1 to 65535 with DATABASE_URL: each call holds one of the ' +
        'database\'s connections (got "0")']
    })
    t.match(await loadConfig({ DEPENDENCY_POOL_SIZE: '0' }), { ok: true, config: { DEPENDENCY_POOL_SIZE: 0 } },
      'without a database, 0 is no limit')
    const unset = await loadConfig({ DATABASE_URL: database })
    t.equal(unset.ok && unset.config.DEPENDENCY_POOL_SIZE, undefined, 'unset, for the dependency to choose')
  }
)

t.test('REDIS_URL and OTEL_EXPORTER_OTLP_ENDPOINT, URLs, have no default; OTEL_SERVICE_NAME has one', async (t) => {
  for (const url of ['redis://127.0.0.1:6379', 'rediss://user:secret@redis.example.com:6380/2', 'redis://redis']) {
    t.match(await loadConfig({ REDIS_URL: url }), { ok: true, config: { REDIS_URL: url } }, url)
  }
  for (const url of ['127.0.0.1:6379', 'http://redis:6379', 'redis://', 'redis://a b']) {
    t.same(await loadConfig({ REDIS_URL: url }), {
      ok: false,
      problems: [`REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 (got ${JSON.stringify(url)})`]
    }, url)
  }
  t.match(await loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), { ok: true, config: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } })
  t.same(await loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), {
    ok: false,
    problems: ['OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, such as http://127.0.0.1:4318 (got "collector:4318")']
  })
  t.match(await loadConfig({ OTEL_SERVICE_NAME: 'chat-eu' }), { ok: true, config: { OTEL_SERVICE_NAME: 'chat-eu' } })
})

t.test('TRUST_PROXY names addresses, CIDRs or proxy-addr\'s keywords, comma-separated; nothing else', async (t) => {
  for (const value of ['127.0.0.1', '10.0.0.0/8, 127.0.0.1', 'uniquelocal', '::1,fd00::/8']) {
    t.match(await loadConfig({ TRUST_PROXY: value }), { ok: true, config: { TRUST_PROXY: value } }, value)
  }
  for (const value of ['10.0.0.0/8;rm', 'a b', ',', 'true?']) {
    t.same(await loadConfig({ TRUST_PROXY: value }), {
      ok: false,
      problems: [
        'TRUST_PROXY must be addresses or CIDRs, comma-separated, such as 10.0.0.0/8, 127.0.0.1 ' +
          `(got ${JSON.stringify(value)})`
      ]
    }, value)
  }
})

t.test('strings are converted, empty values count as unset, unknown variables are ignored', async (t) => {
  const result = await loadConfig({
    PORT: '0', HOST: '', MAX_WAIT_SECONDS: '2.25', LOG_LEVEL: 'silent', PATH: '/bin', NODE_ENV: 'test'
  })
  t.match(result, {
    ok: true, config: { PORT: 0, HOST: '127.0.0.1', MAX_WAIT_SECONDS: 2.25, LOG_LEVEL: 'silent', NODE_ENV: 'test' }
  })
  t.notOk('PATH' in (result.ok ? result.config : {}))
})

t.test('every duration takes 0 and at most an hour', async (t) => {
  const durations = [
    'ROOT_DELAY_MS',
    'WAIT_DELAY_MS',
    'REQUEST_TIMEOUT_MS',
    'KEEP_ALIVE_TIMEOUT_MS',
    'CONNECTION_TIMEOUT_MS',
    'SHUTDOWN_DELAY_MS',
    'SHUTDOWN_QUIET_MS',
    'SHUTDOWN_TIMEOUT_MS',
    'MAX_EVENT_LOOP_DELAY_MS',
    'REQUEST_DEADLINE_MS',
    'DEPENDENCY_JITTER_MS',
    'DEPENDENCY_QUEUE_TIMEOUT_MS',
    'TASKS_TTL_MS',
    'TASKS_MAX_LATENCY_MS',
    'LIVE_CALL_LATENCY_MS',
    'LIVE_HEARTBEAT_MS',
    'LIVE_RETRY_MS',
    'CHAT_PRESENCE_INTERVAL_MS',
    'CHAT_HEARTBEAT_MS'
  ]
  for (const name of durations) {
    t.match(await loadConfig({ [name]: '0' }), { ok: true, config: { [name]: 0 } }, `${name}=0`)
    t.match(await loadConfig({ [name]: '3600000' }), { ok: true, config: { [name]: 3_600_000 } }, `${name}=3600000`)
    t.same(await loadConfig({ [name]: '3000000000' }), {
      ok: false,
      problems: [`${name} must be an integer from 0 to 3600000 (got "3000000000")`]
    }, `${name}: past Node's timers`)
  }
})

t.test('HOST takes an IP address or a name that resolves', async (t) => {
  // 2130706433 is 127.0.0.1 written as one number, which the resolver takes: digits alone stay a name, not a number.
  for (const host of ['0.0.0.0', '::', '::1', '192.0.2.10', 'localhost', '2130706433']) {
    t.match(await loadConfig({ HOST: host }), { ok: true, config: { HOST: host } }, host)
  }
  for (const host of ['not-an-address', 'no-such-host.invalid', '300.1.1.1x', 'a b']) {
    t.same(await loadConfig({ HOST: host }), {
      ok: false,
      problems: [`HOST must be an IP address or a name that resolves (got ${JSON.stringify(host)})`]
    }, host)
  }
})

t.test('each invalid variable is refused with its name, what it must be and what it was', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['PORT', 'abc', 'PORT must be an integer from 0 to 65535 (got "abc")'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535 (got "65536")'],
    ['PORT', '80.5', 'PORT must be an integer from 0 to 65535 (got "80.5")'],
    ['PORT', '0x10', 'PORT must be an integer from 0 to 65535 (got "0x10")'],
    ['PORT', ' 80', 'PORT must be an integer from 0 to 65535 (got " 80")'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    ['NODE_ENV', 'staging', 'NODE_ENV must be one of production, development, test (got "staging")'],
    ['ROOT_DELAY_MS', '-1', 'ROOT_DELAY_MS must be an integer from 0 to 3600000 (got "-1")'],
    ['WAIT_DELAY_MS', 'soon', 'WAIT_DELAY_MS must be an integer from 0 to 3600000 (got "soon")'],
    ['MAX_WAIT_SECONDS', 'Infinity', 'MAX_WAIT_SECONDS must be a number from 0 to 3600 (got "Infinity")'],
    ['MAX_WAIT_SECONDS', '3600.5', 'MAX_WAIT_SECONDS must be a number from 0 to 3600 (got "3600.5")'],
    ['REQUEST_TIMEOUT_MS', '-5', 'REQUEST_TIMEOUT_MS must be an integer from 0 to 3600000 (got "-5")'],
    ['KEEP_ALIVE_TIMEOUT_MS', '1s', 'KEEP_ALIVE_TIMEOUT_MS must be an integer from 0 to 3600000 (got "1s")'],
    ['SHUTDOWN_TIMEOUT_MS', 'x', 'SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 3600000 (got "x")'],
    ['BODY_LIMIT_BYTES', '0', 'BODY_LIMIT_BYTES must be an integer from 1 to 9007199254740991 (got "0")'],
    ['MAX_HEADER_BYTES', '1e3', 'MAX_HEADER_BYTES must be an integer from 1 to 9007199254740991 (got "1e3")'],
    ['LISTEN_BACKLOG', '0', 'LISTEN_BACKLOG must be an integer from 1 to 65535 (got "0")'],
    ['LISTEN_BACKLOG', '65536', 'LISTEN_BACKLOG must be an integer from 1 to 65535 (got "65536")'],
    ['MAX_EVENT_LOOP_UTILIZATION', '1.5', 'MAX_EVENT_LOOP_UTILIZATION must be a number from 0 to 1 (got "1.5")'],
    ['MAX_HEAP_USED_BYTES', '-1', 'MAX_HEAP_USED_BYTES must be an integer from 0 to 9007199254740991 (got "-1")'],
    ['MAX_RSS_BYTES', '2GB', 'MAX_RSS_BYTES must be an integer from 0 to 9007199254740991 (got "2GB")'],
    ['RATE_LIMIT_MAX', '-1', 'RATE_LIMIT_MAX must be an integer from 0 to 9007199254740991 (got "-1")'],
    ['RATE_LIMIT_WINDOW_MS', '0', 'RATE_LIMIT_WINDOW_MS must be an integer from 1 to 3600000 (got "0")'],
    ['REQUEST_DEADLINE_MS', '-1', 'REQUEST_DEADLINE_MS must be an integer from 0 to 3600000 (got "-1")'],
    ['DEPENDENCY_FAILURE_RATE', '2', 'DEPENDENCY_FAILURE_RATE must be a number from 0 to 1 (got "2")'],
    ['DEPENDENCY_POOL_SIZE', '-1', 'DEPENDENCY_POOL_SIZE must be an integer from 0 to 65535 (got "-1")'],
    ['FANOUT_MAX_CALLS', '0', 'FANOUT_MAX_CALLS must be an integer from 1 to 1000 (got "0")'],
    ['CPU_MAX_N', '1', 'CPU_MAX_N must be an integer from 2 to 100000000 (got "1")'],
    ['TASKS_MAX_PENDING', '0', 'TASKS_MAX_PENDING must be an integer from 1 to 1000000 (got "0")'],
    ['LIVE_INTERVAL_MS', '5', 'LIVE_INTERVAL_MS must be an integer from 10 to 3600000 (got "5")'],
    ['LIVE_REPLAY_SIZE', '100001', 'LIVE_REPLAY_SIZE must be an integer from 0 to 100000 (got "100001")'],
    ['LIVE_MAX_BUFFERED_BYTES', '0', 'LIVE_MAX_BUFFERED_BYTES must be an integer from 1 to 9007199254740991 (got "0")'],
    ['CHAT_HISTORY', '-1', 'CHAT_HISTORY must be an integer from 0 to 10000 (got "-1")'],
    ['CHAT_MAX_MESSAGE_BYTES', '0', 'CHAT_MAX_MESSAGE_BYTES must be an integer from 1 to 65536 (got "0")'],
    ['CHAT_RATE_PER_10S', '0', 'CHAT_RATE_PER_10S must be an integer from 1 to 10000 (got "0")'],
    ['CHAT_MAX_BUFFERED_BYTES', '0', 'CHAT_MAX_BUFFERED_BYTES must be an integer from 1 to 9007199254740991 (got "0")']
  ]
  for (const [name, value, problem] of cases) {
    t.same(await loadConfig({ [name]: value }), { ok: false, problems: [problem] }, `${name}=${value}`)
  }
})

t.test('several invalid variables give one line each, in the schema\'s order', async (t) => {
  const result = await loadConfig({ LOG_LEVEL: 'loud', PORT: 'abc', HOST: 'no-such-host.invalid' })
  t.same(result, {
    ok: false,
    problems: [
      'HOST must be an IP address or a name that resolves (got "no-such-host.invalid")',
      'PORT must be an integer from 0 to 65535 (got "abc")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'
    ]
  })
})

t.test('.env fills what the environment leaves unset or empty, and its bad values say they came from it', async (t) => {
  const dotenv = { PORT: '4000', LOG_LEVEL: 'debug', WAIT_DELAY_MS: 'soon', ROOT_DELAY_MS: '5' }
  const env = { LOG_LEVEL: 'warn', WAIT_DELAY_MS: '', ROOT_DELAY_MS: 'later' }
  t.same(await loadConfig(env, dotenv), {
    ok: false,
    problems: [
      'ROOT_DELAY_MS must be an integer from 0 to 3600000 (got "later")',
      'WAIT_DELAY_MS must be an integer from 0 to 3600000 (got "soon" from .env)'
    ]
  })
  t.match(await loadConfig({ LOG_LEVEL: 'warn' }, { PORT: '4000', LOG_LEVEL: 'debug' }),
    { ok: true, config: { PORT: 4000, LOG_LEVEL: 'warn' } })
  t.match(await loadConfig({}, { PORT: '' }), { ok: true, config: { PORT: 3000 } }, 'empty in .env counts as unset too')
})

t.test('a stop may take the delay plus the shutdown timeout; a timeout of 0 sets no limit', async (t) => {
  const limit = async (env: Record<string, string>): Promise<number | undefined> => {
    const result = await loadConfig(env)
    if (!result.ok) throw new Error(result.problems.join('\n'))
    return stopLimitMs(result.config)
  }
  t.equal(await limit({}), 15_000)
  t.equal(await limit({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1' }), 1)
  t.equal(await limit({ SHUTDOWN_DELAY_MS: '2000', SHUTDOWN_TIMEOUT_MS: '3000' }), 5000)
  t.equal(await limit({ SHUTDOWN_DELAY_MS: '2000', SHUTDOWN_TIMEOUT_MS: '0' }), undefined)
})

t.test('every variable is described, for the reader of the schema', async (t) => {
  for (const [name, schema] of Object.entries(ConfigSchema.properties) as Array<[string, { description?: string }]>) {
    t.ok((schema.description ?? '').length > 10, name)
  }
})
