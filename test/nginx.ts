// nginx in front of the tests' upstreams: Debian's nginx as the current user, with the project's proxy settings
// (deploy/nginx/http.conf, server.conf) and upstream (deploy/nginx/upstream.conf, its server line swapped for the
// test's addresses), on a free loopback port, its files in a temporary folder; its access log read, its error log kept.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { freePort } from './redis-server.js'
import { ROOT } from './server-process.js'

export const NGINX_DIR = join(ROOT, 'deploy', 'nginx')

const MISSING = 'nginx is not installed: the tests need the Debian package nginx-light (npm test installs it: node scripts/system-packages.mjs)'

/** How long nginx may take to listen, on a busy machine. */
const START_LIMIT_MS = 20_000

/** One line of the access log (deploy/nginx/http.conf's format). */
export interface AccessLine {
  request_id: string
  method: string
  uri: string
  status: number
  /** The replicas tried, in order, comma-separated: more than one when a retry moved the request on. */
  upstream: string
  upstream_status: string
}

export interface Nginx {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** The access log so far, a line a request. */
  accessLog: () => AccessLine[]
  /** The error log so far. */
  readonly errorLog: string
}

/** nginx's command: on the path, or in /usr/sbin, which a user's path may lack. */
function nginxCommand (): string {
  const command = ['nginx', '/usr/sbin/nginx'].find((candidate) => spawnSync(candidate, ['-v']).error === undefined)
  if (command === undefined) throw new Error(MISSING)
  return command
}

/**
 * deploy/nginx/upstream.conf with its one server line (compose's `app:3000`, looked up again as it changes) made one
 * line per address, with the same parameters; `resolve` dropped, as the addresses are fixed (and nginx 1.22 has none).
 */
export async function upstreamFor (addresses: string[]): Promise<string> {
  const text = await readFile(join(NGINX_DIR, 'upstream.conf'), 'utf8')
  const serverLine = /^(\s*)server app:3000 resolve([^;]*);$/m
  if (!serverLine.test(text)) throw new Error('deploy/nginx/upstream.conf has no line `server app:3000 resolve ...;` to swap')
  return text.replace(serverLine, (_, indent: string, parameters: string) =>
    addresses.map((address) => `${indent}server ${address}${parameters};`).join('\n'))
}

/**
 * The main file, as deploy/nginx/nginx.conf but for a process of the test's: in the foreground, its pid, access log and
 * temporary files in `dir` (nginx creates every temporary folder at start, where the package's defaults need root), workers as
 * the current user, listening on loopback only.
 */
function mainFile (dir: string, port: number): string {
  const asRoot = process.getuid?.() === 0
  return `daemon off;
pid ${join(dir, 'nginx.pid')};
${asRoot ? `user ${userInfo().username};` : ''}
worker_processes auto;
events {
    worker_connections 4096;
}
error_log stderr warn;

http {
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`).join('\n')}
    include ${join(NGINX_DIR, 'http.conf')};
    access_log ${join(dir, 'access.log')} replicas;
    include ${join(dir, 'upstream.conf')};

    server {
        listen 127.0.0.1:${port};
        include ${join(NGINX_DIR, 'server.conf')};
    }
}
`
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
 * throws naming the Debian package when nginx is missing, and with its error log when it cannot start.
 */
export async function startNginx (t: Test, upstreams: string[]): Promise<Nginx> {
  const command = nginxCommand()
  const dir = await mkdtemp(join(tmpdir(), 'nginx-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'upstream.conf'), await upstreamFor(upstreams))

  // Another process may take the free port before nginx does: then again on another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    await writeFile(join(dir, 'nginx.conf'), mainFile(dir, port))
    // A process group of its own, so that its workers can be killed with it if it hangs, or if this process ends first.
    const child = spawn(command, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
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
      accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line)),
      get errorLog () { return errorLog }
    }

    const deadline = performance.now() + START_LIMIT_MS
    while (child.exitCode === null && !(await accepts(port))) {
      if (performance.now() > deadline) throw new Error(`nginx did not listen on port ${port}:\n${errorLog}`)
      await sleep(20)
    }
    if (child.exitCode === null) return nginx
    if (!errorLog.includes('Address already in use') || attempt === 3) throw new Error(`nginx did not start:\n${errorLog}`)
  }
}
