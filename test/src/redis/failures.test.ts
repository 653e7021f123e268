// How a Redis-backed feature says what Redis did: a refused command each time, an outage once and its end once.
import { ReplyError } from 'ioredis'
import t from 'tap'
import { RedisFailures } from '../../../src/redis/failures.ts'
import type { RedisLog } from '../../../src/redis/port.ts'

function recorder (): { log: RedisLog, lines: string[] } {
  const lines: string[] = []
  const at = (level: string) => (object: unknown, message?: string) => {
    lines.push(`${level} ${message ?? String(object)}`)
  }
  return { log: { error: at('error'), warn: at('warn'), info: at('info') } as unknown as RedisLog, lines }
}

const refused = (): Error => new ReplyError('ERR value is not an integer or out of range')
const lost = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { syscall: 'connect' })

t.test('an outage is said once, whatever fails meanwhile, and its end once', async (t) => {
  const { log, lines } = recorder()
  const failures = new RedisFailures(log, 'chat')
  failures.succeeded()
  t.same(lines, [], 'nothing to say while all goes well')
  const offline = new Error("Stream isn't writeable and enableOfflineQueue options is false")
  const retriedOut = Object.assign(new Error('Reached the max retries per request limit'), {
    name: 'MaxRetriesPerRequestError'
  })
  for (const error of [lost(), new Error('Connection is closed.'), offline, retriedOut]) {
    t.equal(failures.failed(error).message, 'Redis is unreachable')
  }
  failures.succeeded()
  failures.succeeded()
  failures.failed(lost())
  t.same(lines, [
    'warn chat: Redis unreachable; trying again',
    'info chat: Redis answers again',
    'warn chat: Redis unreachable; trying again'
  ])
})

t.test('a command Redis refused is an error each time; any other failure a warning each time', async (t) => {
  const { log, lines } = recorder()
  const failures = new RedisFailures(log, 'background tasks')
  const told = failures.failed(refused())
  t.equal(told.message, 'Redis failed')
  t.ok(told.cause instanceof ReplyError, 'the cause kept')
  failures.failed(refused())
  t.equal(failures.failed(new Error('Missing key for job 1')).message, 'Redis failed')
  t.equal(failures.failed('not even an error').message, 'Redis failed')
  t.same(lines, [
    'error background tasks: Redis refused a command',
    'error background tasks: Redis refused a command',
    'warn background tasks: Redis failed',
    'warn background tasks: Redis failed'
  ])
})
