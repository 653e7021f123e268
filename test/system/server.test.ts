// The process: a real server on a socket, config and .env at start, exit codes, and graceful shutdown on signals.
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { entries, listening, startServer } from '../helpers/server-process.ts'

const FAULT = join(import.meta.dirname, '..', 'helpers', 'fault-on-sigwinch.ts')

// Each test starts a process or two: give the file room on a busy machine.
t.setTimeout(180_000)

t.test('serves over a real socket on the port it is given, and SIGTERM closes it with exit code 0', async (t) => {
  const server = startServer(t, { HOST: '127.0.0.1' })
  const url = await listening(server)
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const response = await fetch(`${url}/`)
  t.equal(response.status, 200)
  t.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(await response.text(), 'Hello from async Flask!')
  server.child.kill('SIGTERM')
  t.equal(await server.exit, 0)
  t.match(entries(server), [{ msg: /^Server listening/ }, { msg: 'request completed', statusCode: 200 }, { msg: 'closing', signal: 'SIGTERM' }])
  t.equal(server.stderr, '', 'nothing on stderr')
})

t.test('a request in flight at SIGTERM is still answered before the process exits', async (t) => {
  const server = startServer(t, {})
  const url = await listening(server)
  const inFlight = fetch(`${url}/wait?seconds=0.5`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  server.child.kill('SIGTERM')
  const response = await inFlight
  t.equal(response.status, 200)
  t.equal(await response.text(), 'Waited 0.5 seconds!')
  t.equal(await server.exit, 0)
})

t.test('the listen backlog is LISTEN_BACKLOG, and by default as large as the kernel allows', async (t) => {
  const somaxconn = Number((await readFile('/proc/sys/net/core/somaxconn', 'utf8')).trim())
  for (const [backlog, expected] of [['1234', Math.min(1234, somaxconn)], ['', somaxconn]] as const) {
    const server = startServer(t, { LISTEN_BACKLOG: backlog })
    const port = new URL(await listening(server)).port
    // ss shows a listening socket's backlog as its Send-Q, the third column.
    const ss = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
    if (ss.error !== undefined) {
      throw new Error('ss not found: install the Debian package iproute2 (npm test installs it)')
    }
    t.equal(Number(ss.stdout.trim().split(/\s+/)[2]), expected, `LISTEN_BACKLOG=${JSON.stringify(backlog)}`)
    server.child.kill('SIGTERM')
    t.equal(await server.exit, 0)
  }
})

t.test('invalid config stops the start with exit code 1 and one line per bad variable, no stack trace', async (t) => {
  const server = startServer(t, { PORT: 'abc', LOG_LEVEL: 'loud', HOST: 'no-such-host.invalid' })
  t.equal(await server.exit, 1)
  t.equal(server.stderr, [
    'Invalid configuration: HOST must be an IP address or a name that resolves (got "no-such-host.invalid")',
    'Invalid configuration: PORT must be an integer from 0 to 65535 (got "abc")',
    'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ''
  ].join('\n'))
  t.same(server.stdout, [])
})

t.test('.env in the working directory is read; the environment wins over it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'service-env-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, '.env'), 'WAIT_DELAY_MS=soon\nLOG_LEVEL=loud\n')
  const server = startServer(t, { LOG_LEVEL: 'info' }, { cwd: dir })
  t.equal(await server.exit, 1)
  t.equal(server.stderr,
    'Invalid configuration: WAIT_DELAY_MS must be an integer from 0 to 3600000 (got "soon" from .env)\n')
})

t.test('an unreadable .env stops the start with exit code 1 and says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'service-env-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, '.env'))
  const server = startServer(t, {}, { cwd: dir })
  t.equal(await server.exit, 1)
  t.match(server.stderr, /^Cannot read \.env: .+\n$/)
  t.notMatch(server.stderr, /\n\s+at /, 'no stack trace')
})

t.test('a port already in use stops the start with exit code 1 and one line saying so, no stack trace', async (t) => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const { port } = blocker.address() as { port: number }
  const server = startServer(t, { HOST: '127.0.0.1', PORT: String(port) })
  t.equal(await server.exit, 1)
  t.equal(server.stderr, `Cannot listen: PORT ${port} is in use on 127.0.0.1\n`)
  t.same(entries(server).filter(({ level }) => (level as number) >= 50), [], 'nothing logged as an error')
})

for (const fault of ['error', 'rejection']) {
  t.test(
    `an uncaught ${fault} is logged with its stack and closes the server the same way: answers held, exit 1`,
    async (t) => {
      const server = startServer(t, { FAULT: fault }, { preload: [FAULT] })
      const url = await listening(server)
      const inFlight = fetch(`${url}/wait?seconds=0.5`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      server.child.kill('SIGWINCH')
      const response = await inFlight
      t.equal(response.status, 200)
      t.equal(await response.text(), 'Waited 0.5 seconds!')
      t.equal(await server.exit, 1)
      t.match(entries(server).find((entry) => entry.level === 50), {
        msg: 'closing after an uncaught error',
        err: { message: 'injected fault', stack: /^Error: injected fault\n\s+at / }
      })
    }
  )
}
