// The server's fragment of the config: where it listens, its log, the limits on each connection, and the stop.
import { Type } from 'typebox'
import { Bytes, Count, Duration } from '../config/kinds.ts'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const serverConfig = {
  NODE_ENV: Type.Enum(['production', 'development', 'test'], {
    default: 'production',
    description: 'production hides the detail of 5xx errors from clients (the log keeps it)'
  }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'address to listen on (0.0.0.0 in a container)',
    expected: 'an IP address or a name that resolves'
  }),
  PORT: Count(3000, 0, 65535, 'TCP port to listen on'),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info', description: "pino's level; silent logs nothing" }),
  REQUEST_TIMEOUT_MS: Duration(10_000, 'time a client has to send a whole request'),
  KEEP_ALIVE_TIMEOUT_MS: Duration(72_000, 'how long an idle keep-alive connection stays open'),
  CONNECTION_TIMEOUT_MS: Duration(120_000,
    'how long a connection may pass nothing either way, mid-request too (a client that stops reading)'),
  BODY_LIMIT_BYTES: Bytes(1_048_576, 1, 'largest request body accepted; a larger one is refused with 413'),
  MAX_HEADER_BYTES: Bytes(16_384, 1,
    'largest request head (request line and headers); a larger one is refused with 431'),
  // The kernel caps it at its own limit (Linux: net.core.somaxconn), so the default asks for as many as it allows.
  LISTEN_BACKLOG: Count(65_535, 1, 65_535, 'connections the kernel queues until the service accepts them'),
  TRUST_PROXY: Type.Optional(Type.String({
    pattern: '^[\\w.:/]+(,\\s*[\\w.:/]+)*$',
    description: 'the proxies in front whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated, or ' +
      "loopback, linklocal, uniquelocal (Fastify's trustProxy); the client's address, for the rate limit, the caps " +
      'on sockets and streams and the log, is then the one they forwarded; unset: none',
    expected: 'addresses or CIDRs, comma-separated, such as 10.0.0.0/8, 127.0.0.1'
  })),
  SHUTDOWN_DELAY_MS: Duration(5000,
    'after SIGTERM, the most the service keeps serving (with /ready at 503) before it drains'),
  SHUTDOWN_QUIET_MS: Duration(500,
    'the delay ends early once no connection or request has come for this long: nobody sends any more; ' +
    '0: the whole delay, for a load balancer that may still send after a pause (Kubernetes)'),
  SHUTDOWN_TIMEOUT_MS: Duration(10_000,
    'after the delay, how long draining may take; requests still waiting near its end get 503')
}
