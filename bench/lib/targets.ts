// The servers the benchmarks compare: the service and its baselines (bare Fastify: for the ladder, the live updates,
// the chat) always, the peers when this machine has them.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { Server } from './processes.ts'

const ROOT = join(import.meta.dirname, '..', '..')
export const FLASK_DIR = join(ROOT, 'bench', 'flask')

export interface Target extends Server {
  name: string
  /** Written in this project's own code: the service and its baseline. Peers are for comparison only. */
  own: boolean
}

/** Builds the service into `dir` with the production build (which, outside the project, links its node_modules). */
export function buildService (dir: string): void {
  const build = spawnSync(process.execPath, [join('scripts', 'build.mjs'), '--outdir', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (build.status !== 0) throw new Error(`the build into ${dir} failed`)
}

/** The service as production runs it from the build in `buildDir`: NODE_ENV=production, its access log to `logFile`. */
export function service (port: number, buildDir: string, logFile?: string): Target {
  return {
    name: 'service',
    own: true,
    port,
    ...(logFile === undefined ? {} : { logFile }),
    command: process.execPath,
    args: [join(buildDir, 'src', 'server.js')],
    // Every setting the figures depend on, so that a developer's shell or .env cannot change them. No load balancer
    // needs the shutdown delay's seconds of serving on here: without it, stopping the service is not 5 s per stop.
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      ROOT_DELAY_MS: '1000',
      WAIT_DELAY_MS: '2000',
      SHUTDOWN_DELAY_MS: '0',
      // One client process opens every socket and stream of a scenario: no cap per client, and room for them all.
      CHAT_MAX_SOCKETS_PER_CLIENT: '0',
      LIVE_MAX_STREAMS_PER_CLIENT: '0',
      CHAT_MAX_SOCKETS: '0',
      LIVE_MAX_STREAMS: '0'
    }
  }
}

/** Bare Fastify with the same three routes, no plugins, logger off. */
export function baseline (port: number): Target {
  return baselineServer('baseline.mjs', port)
}

/** The live updates' baseline: bare Fastify holding event streams, an update every `intervalMs`. */
export function eventsBaseline (port: number, intervalMs: number): Target {
  return {
    ...baselineServer('baseline-events.mjs', port),
    env: { PORT: String(port), LIVE_INTERVAL_MS: String(intervalMs) }
  }
}

/** The chat's baseline: bare Fastify and @fastify/websocket, a room that sends each frame to every socket. */
export function chatBaseline (port: number): Target {
  return baselineServer('baseline-chat.mjs', port)
}

function baselineServer (file: string, port: number): Target {
  return {
    name: 'baseline',
    own: true,
    port,
    command: process.execPath,
    args: [join(ROOT, 'bench', 'servers', file)],
    env: { PORT: String(port) }
  }
}

export interface Peers {
  targets: Array<(port: number) => Target>
  /** Peers this machine cannot run, and why. */
  missing: string[]
}

/**
 * Express 5 (a dev dependency), and the seed's Flask app under Flask's dev server and under gunicorn, where installed.
 */
export function peers (): Peers {
  const targets: Peers['targets'] = [
    (port) => ({
      name: 'express',
      own: false,
      port,
      command: process.execPath,
      args: [join(ROOT, 'bench', 'servers', 'express.mjs')],
      env: { PORT: String(port) }
    })
  ]
  const missing: string[] = []
  const python = pythonWithFlask()
  if (python === undefined) {
    missing.push('flask: no python3 here imports flask with its async extra ' +
      '(Debian: apt-get install python3-flask python3-asgiref)')
  } else {
    targets.push((port) => flaskDev(python, port))
  }
  if (python === undefined || !succeeds('gunicorn', ['--version'])) {
    missing.push('gunicorn: not installed, or no Flask for it to run (Debian: apt-get install gunicorn python3-flask)')
  } else {
    targets.push((port) => ({
      name: 'gunicorn',
      own: false,
      port,
      command: 'gunicorn',
      args: ['--workers', '5', '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', 'app:app'],
      cwd: FLASK_DIR
    }))
  }
  return { targets, missing }
}

/** The seed's app under Flask's own dev server, as the seed runs it. */
export function flaskDev (python: string, port: number): Target {
  return { name: 'flask-dev', own: false, port, command: python, args: ['app.py', String(port)], cwd: FLASK_DIR }
}

/** The first python3 that can run async Flask views: $PYTHON, the one on PATH, then Debian's own. */
export function pythonWithFlask (): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((candidate) => candidate !== undefined)
  return candidates.find((python) => succeeds(python, ['-c', 'import flask, asgiref']))
}

function succeeds (command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0
}
