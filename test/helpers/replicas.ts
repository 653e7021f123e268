// Replicas of the service for the tests that run several, as production runs them: the production build (built once
// per test file, into a temporary folder), each replica `node dist/src/server.js` on a port of its own, stopped with
// SIGTERM and started again on the same port; and the whole set-up: Redis, replicas sharing it, nginx in front.
import { execFile, spawn } from 'node:child_process'
import { request } from 'node:http'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import tap, { type Test } from 'tap'
import { startNginx, type Nginx } from './nginx.ts'
import { freePort, redisServer, type RedisServer } from './redis-server.ts'
import { ROOT, entries, watch, type ServerProcess } from './server-process.ts'

/** How long a replica may take to start and say it is ready, on a busy machine. */
const READY_LIMIT_MS = 30_000

let built: Promise<string> | undefined

/**
 * The service built for production (`npm run build`, into a temporary folder: the checkout's dist/ may be in use),
 * with the project's node_modules beside it; once per test file, removed when the file ends. Resolves with its folder.
 */
export async function builtService (): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replicas-build-'))
    tap.teardown(() => rm(dir, { recursive: true, force: true }))
    const env = { ...process.env }
    // tap's loaders are for this process's tests, not for the build.
    delete env.NODE_OPTIONS
    await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--outdir', join(dir, 'dist')],
      { cwd: ROOT, env })
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    return dir
  })()
  return await built
}

/** The status of GET `url`, on a connection of its own; undefined when it cannot connect. */
async function statusOf (url: string): Promise<number | undefined> {
  return await new Promise((resolve) => {
    request(url, { agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode)
    }).on('error', () => { resolve(undefined) }).end()
  })
}

export interface Replica {
  name: string
  port: number
  /** http://127.0.0.1:<port> */
  url: string
  /** The process running now, or the last one. */
  readonly process: ServerProcess
  /** Starts the replica (again, on the same port) and resolves once its /ready answers 200. */
  start: () => Promise<void>
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop: () => Promise<number | null>
  /** The requests its process running now (or last) has answered, from its access log. */
  served: () => Array<Record<string, unknown>>
}

/**
 * A replica of the built service on a free port, not yet started: production settings, the log at info (the access
 * lines say what it served), no load shedding (a busy machine must not shed the tests' requests), `env` over them.
 */
export async function replica (t: Test, name: string, env: Record<string, string>): Promise<Replica> {
  const dir = await builtService()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let current: ServerProcess | undefined
  const running = (): ServerProcess => {
    if (current === undefined) throw new Error(`replica ${name} never started`)
    return current
  }
  return {
    name,
    port,
    url,
    get process () { return running() },
    async start () {
      // The environment a container has: only what is set here, no .env (the folder has none), no tap loader.
      const child = spawn(process.execPath, [join(dir, 'dist', 'src', 'server.js')], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'info',
          MAX_EVENT_LOOP_DELAY_MS: '0',
          ...env
        }
      })
      const started = watch(t, child)
      current = started
      const deadline = performance.now() + READY_LIMIT_MS
      while (await statusOf(`${url}/ready`) !== 200) {
        if (child.exitCode !== null) throw new Error(`replica ${name} exited (${child.exitCode}): ${started.stderr}`)
        if (performance.now() > deadline) throw new Error(`replica ${name} not ready within ${READY_LIMIT_MS} ms`)
        await sleep(50)
      }
    },
    async stop () {
      const { child, exit } = running()
      child.kill('SIGTERM')
      return await exit
    },
    served: () => entries(running()).filter((entry) => entry.msg === 'request completed')
  }
}

export interface ReplicaSet {
  /** nginx's origin, http://127.0.0.1:<port>: where clients go. */
  url: string
  nginx: Nginx
  redis: RedisServer
  /** a, b, ... in the order of nginx's upstream. */
  replicas: Replica[]
}

/**
 * Redis, `count` replicas of the built service sharing it (REDIS_URL), each ready, and nginx in front of them, for this
 * test; `env` is given to every replica.
 */
export async function replicaSet (
  t: Test,
  { count = 2, env = {} }: { count?: number, env?: Record<string, string> } = {}
): Promise<ReplicaSet> {
  const redis = await redisServer(t)
  const replicas = await Promise.all(Array.from({ length: count }, async (_, index) =>
    await replica(t, String.fromCharCode(97 + index), { REDIS_URL: redis.url, ...env })))
  await Promise.all(replicas.map(async (each) => { await each.start() }))
  const nginx = await startNginx(t, replicas.map(({ port }) => `127.0.0.1:${port}`))
  return { url: nginx.url, nginx, redis, replicas }
}
