// nginx in front of the tests' upstreams: Debian's nginx as the current user, with the project's configuration as
// test/nginx-files.ts writes it for the test's addresses, on a free loopback port, its files in a temporary folder; its
// access log read, its error log kept.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { nginxCommand, writeNginxFiles, type AccessLine, type NginxFiles } from './nginx-files.ts'
import { freePort } from './redis-server.ts'

const MISSING = 'nginx is not installed: the tests need the Debian package nginx-light ' +
  '(npm test installs it: node scripts/system-packages.mjs)'

/** How long nginx may take to listen, on a busy machine. */
const START_LIMIT_MS = 20_000

export interface Nginx {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** Asks nginx to read its configuration again (SIGHUP): new workers take it, the old finish what they hold. */
  reload: () => void
  /** The access log so far, a line a request. */
  accessLog: () => AccessLine[]
  /** The error log so far. */
  readonly errorLog: string
}

async function accepts (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => { resolve(false) })
  })
}

/** Stops nginx and its workers: the master ends them on SIGTERM; the whole group is killed if it hangs. */
async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const hung = setTimeout(() => { killGroup(child) }, 5000)
  await exited
  clearTimeout(hung)
}

function killGroup (child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL')
  } catch {
    // the group is gone
  }
}

/**
 * Starts nginx in front of `upstreams` (host:port each) for this test, and resolves once it accepts connections;
 * throws naming the Debian package when nginx is missing, and with its error log when it cannot start. `files` writes
 * other files than the project's, for nginx on a port.
 */
export async function startNginx (
  t: Test,
  upstreams: string[],
  files: (dir: string, port: number) => Promise<NginxFiles> = async (dir, port) =>
    await writeNginxFiles(dir, port, upstreams)
): Promise<Nginx> {
  const command = nginxCommand()
  if (command === undefined) throw new Error(MISSING)
  const dir = await mkdtemp(join(tmpdir(), 'nginx-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  // Another process may take the free port before nginx does: then again on another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const { args, accessLog } = await files(dir, port)
    // A process group of its own, so that its workers can be killed with it if it hangs, or if this process ends first.
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
    const killOnExit = (): void => { killGroup(child) }
    process.once('exit', killOnExit)
    t.teardown(async () => {
      await stop(child)
      process.off('exit', killOnExit)
    })
    let errorLog = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { errorLog += chunk })
    const nginx: Nginx = {
      url: `http://127.0.0.1:${port}`,
      port,
      // Written a line at a time as each request ends (no buffer= on access_log).
      reload: () => { child.kill('SIGHUP') },
      accessLog: () => readFileSync(accessLog, 'utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line)),
      get errorLog () { return errorLog }
    }

    const deadline = performance.now() + START_LIMIT_MS
    while (child.exitCode === null && !(await accepts(port))) {
      if (performance.now() > deadline) throw new Error(`nginx did not listen on port ${port}:\n${errorLog}`)
      await sleep(20)
    }
    if (child.exitCode === null) return nginx
    if (!errorLog.includes('Address already in use') || attempt === 3) {
      throw new Error(`nginx did not start:\n${errorLog}`)
    }
  }
}
