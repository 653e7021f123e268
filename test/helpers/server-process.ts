// Runs the service as a process of its own, for the tests that need a real socket, signals or exit codes.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'

export const ROOT = join(import.meta.dirname, '..', '..')
const SERVER = join(ROOT, 'src', 'server.ts')

/** What every test server runs with unless a test says otherwise: no load shedding, as in test/helper.ts. */
const TEST_ENV = {
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: 'info',
  ROOT_DELAY_MS: '100',
  SHUTDOWN_DELAY_MS: '0',
  MAX_EVENT_LOOP_DELAY_MS: '0'
}

/**
 * Production's environment alone, on a free port of 127.0.0.1: for a server run without this test's loaders or
 * environment (the build, or the sources as a plain start runs them). scripts/build.mjs starts the build it warms so.
 */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  SHUTDOWN_DELAY_MS: '0'
}

export interface ServerProcess {
  child: ChildProcess
  /** Lines written to stdout so far. */
  stdout: string[]
  stderr: string
  exit: Promise<number | null>
}

export interface StartOptions {
  cwd?: string
  /** Modules preloaded with --import. */
  preload?: string[]
}

/** Starts src/server.ts as production does (with this test's loaders), in `cwd`, with `env` added. */
export function startServer (
  t: Test,
  env: Record<string, string>,
  { cwd = process.cwd(), preload = [] }: StartOptions = {}
): ServerProcess {
  const args = [...process.execArgv, ...preload.flatMap((file) => ['--import', file]), SERVER]
  return watch(t, spawn(process.execPath, args, { cwd, env: { ...process.env, ...TEST_ENV, ...env } }))
}

/**
 * Runs `npm start` as a user does in a terminal: npm and the service in a process group of their own, as a shell
 * gives a foreground job, so that a test can signal the whole group as Ctrl-C does.
 */
export function npmStart (t: Test, env: Record<string, string>): ServerProcess {
  const child = spawn('npm', ['start', '--silent'],
    { cwd: ROOT, detached: true, env: { ...process.env, ...TEST_ENV, ...env } })
  t.teardown(() => { signalGroup(child, 'SIGKILL') })
  return watch(t, child)
}

/** Sends `signal` to every process in the group `child` leads. */
export function signalGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal)
  } catch {
    // the group is gone
  }
}

/** Collects the output of a server process started by a test, and kills it if it still runs when the test ends. */
export function watch (t: Test, child: ChildProcess): ServerProcess {
  const server: ServerProcess = {
    child,
    stdout: [],
    stderr: '',
    exit: once(child, 'exit').then(([code]) => code as number | null)
  }
  let partial = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    server.stdout.push(...lines)
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { server.stderr += chunk })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  return server
}

/** Resolves with the base URL once the server logs that it listens. */
export async function listening (server: ServerProcess): Promise<string> {
  for (;;) {
    const line = server.stdout.find((entry) => entry.includes('Server listening at'))
    if (line !== undefined) return JSON.parse(line).msg.replace('Server listening at ', '')
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** GET `url`, resolving with the status and body, or with the network error's code when there is no answer. */
async function get (url: string): Promise<{ status: number, body: string } | { error: string }> {
  try {
    const response = await fetch(url)
    return { status: response.status, body: await response.text() }
  } catch (error) {
    return { error: String((error as { cause?: { code?: string } }).cause?.code ?? error) }
  }
}

/**
 * Once `server` listens, starts a request to /wait?seconds=`seconds` and gives it time to arrive; `answer` is its end.
 */
export async function requestInFlight (
  server: ServerProcess,
  seconds: number
): Promise<{ answer: ReturnType<typeof get> }> {
  const url = await listening(server)
  const answer = get(`${url}/wait?seconds=${seconds}`)
  await sleep(200)
  return { answer }
}

/** The JSON log lines the server has written. */
export const entries = (server: ServerProcess): Array<Record<string, unknown>> =>
  server.stdout.map((line) => JSON.parse(line))
