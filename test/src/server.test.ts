// The process: a real server on a socket, config and .env at start, exit codes, and graceful shutdown on signals.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

const SERVER = join(import.meta.dirname, '..', '..', 'src', 'server.ts')
const FAULT = join(import.meta.dirname, '..', 'fixtures', 'fault-on-sigusr2.ts')

interface Server {
  child: ChildProcess
  stdout: string[]
  stderr: string
  exit: Promise<number | null>
}

/** Starts src/server.ts as production does (same loaders as this test), in `cwd`, with `env` added. */
function start (t: Test, env: Record<string, string>, { cwd = process.cwd(), preload = [] as string[] } = {}): Server {
  const child = spawn(process.execPath, [...process.execArgv, ...preload.flatMap((file) => ['--import', file]), SERVER], {
    cwd,
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', ROOT_DELAY_MS: '100', ...env }
  })
  const server: Server = { child, stdout: [], stderr: '', exit: once(child, 'exit').then(([code]) => code as number | null) }
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    server.stdout.push(...lines)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { server.stderr += chunk })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  return server
}

/** Resolves with the base URL once the server logs that it listens. */
async function listening (server: Server): Promise<string> {
  for (;;) {
    const line = server.stdout.find((entry) => entry.includes('Server listening at'))
    if (line !== undefined) return JSON.parse(line).msg.replace('Server listening at ', '')
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const entries = (server: Server): Array<Record<string, unknown>> => server.stdout.map((line) => JSON.parse(line))

t.test('serves over a real socket on the port it is given, and SIGTERM closes it with exit code 0', async (t) => {
  const server = start(t, { HOST: '127.0.0.1' })
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
  const server = start(t, {})
  const url = await listening(server)
  const inFlight = fetch(`${url}/wait?seconds=0.5`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  server.child.kill('SIGTERM')
  const response = await inFlight
  t.equal(response.status, 200)
  t.equal(await response.text(), 'Waited 0.5 seconds!')
  t.equal(await server.exit, 0)
})

t.test('invalid config stops the start with exit code 1 and one line per bad variable, no stack trace', async (t) => {
  const server = start(t, { PORT: 'abc', LOG_LEVEL: 'loud' })
  t.equal(await server.exit, 1)
  t.equal(server.stderr, [
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
  const server = start(t, { LOG_LEVEL: 'info' }, { cwd: dir })
  t.equal(await server.exit, 1)
  t.equal(server.stderr, 'Invalid configuration: WAIT_DELAY_MS must be an integer from 0 to 3600000 (got "soon")\n')
})

t.test('an unreadable .env stops the start with exit code 1 and says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'service-env-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, '.env'))
  const server = start(t, {}, { cwd: dir })
  t.equal(await server.exit, 1)
  t.match(server.stderr, /^Cannot read \.env: .+\n$/)
  t.notMatch(server.stderr, /\n\s+at /, 'no stack trace')
})

t.test('a port already in use stops the start with exit code 1', async (t) => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const { port } = blocker.address() as { port: number }
  const server = start(t, { PORT: String(port) })
  t.equal(await server.exit, 1)
  t.match(entries(server), [{ level: 60, msg: 'could not listen', err: { code: 'EADDRINUSE' } }])
})

t.test('an uncaught error is logged, the server closed, and the process exits with 1', async (t) => {
  const server = start(t, {}, { preload: [FAULT] })
  await listening(server)
  server.child.kill('SIGUSR2')
  t.equal(await server.exit, 1)
  t.match(entries(server).at(-1), { level: 50, msg: 'closing after an uncaught error', err: { message: 'injected fault' } })
})
