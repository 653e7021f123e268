// A real Redis for the tests: Debian's redis-server on a free loopback port, its files in a temporary folder, nothing
// saved to disk (or, asked, an append-only file as compose's); stopped (and started again on the same port) as a test
// says, and gone when the test ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  url: string
  port: number
  /** Stops the server (SIGKILL: as a crash or a lost network would): its data gone, but for an append-only file. */
  stop: () => Promise<void>
  /** Starts it again on the same port: empty, or from its append-only file. */
  start: () => Promise<void>
}

const MISSING = 'redis-server is not installed: the tests need the Debian package redis-server ' +
  '(npm test installs it: node scripts/system-packages.mjs)'

/** A free TCP port on loopback, as the kernel hands one out. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Whether a Redis on `port` answers PING. */
export async function answersPing (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('error', () => { resolve(false) })
  })
}

/** What runs a command so that it is killed when this process ends, however it ends: util-linux's setpriv. */
const WITH_PARENT = ['setpriv', '--pdeathsig', 'KILL']
const NO_SETPRIV = 'setpriv is not installed: the tests need it (Debian package util-linux) so that no Redis they ' +
  'start outlives them'

/** redis-server's arguments: on `port` of the loopback interface only, its files in `dir`, nothing saved to disk. */
export const redisArgs = (port: number, dir: string): string[] =>
  ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']

/** As compose runs Redis: every write in an append-only file, flushed to disk every second. */
const APPEND_ONLY = ['--appendonly', 'yes', '--appendfsync', 'everysec']

/**
 * Starts a Redis for this test, with an append-only file if `appendOnly`; throws naming the Debian package when
 * redis-server is missing.
 */
export async function redisServer (t: Test, { appendOnly = false } = {}): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) throw new Error(MISSING)
  if (spawnSync('setpriv', ['--version']).error !== undefined) throw new Error(NO_SETPRIV)
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'))
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start (): Promise<void> {
    // Killed with this process, however it ends (at a test's timeout too).
    const command = [...WITH_PARENT, 'redis-server']
    const args = [...command.slice(1), ...redisArgs(port, dir), ...(appendOnly ? APPEND_ONLY : [])]
    const started = spawn(command[0] as string, args, { stdio: 'ignore' })
    child = started
    const deadline = performance.now() + 20_000
    while (!(await answersPing(port))) {
      if (started.exitCode !== null || performance.now() > deadline) {
        throw new Error(`redis-server did not start on port ${port}`)
      }
      await sleep(20)
    }
  }

  async function stop (): Promise<void> {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }

  await start()
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}
