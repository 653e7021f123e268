// Replicas of the service as compose runs them, for the benchmark of replicas: one Redis (Debian's redis-server on a
// free loopback port, its files in a folder, nothing saved), replicas of the service's build sharing it through
// REDIS_URL, and nginx in front of them with the project's configuration (deploy/nginx/, as test/nginx-files.ts writes
// it for local addresses). Every process runs where the harness runs its servers (the first CPU), in a process group
// of its own that the harness's exit ends.
import { spawnSync } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { nginxCommand, writeNginxFiles, type AccessLine } from '../../test/helpers/nginx-files.ts'
import { answersPing, redisArgs } from '../../test/helpers/redis-server.ts'
import { freePort, startServer, startServing, stopServer, type Running } from './processes.ts'
import type { Run } from './scenario.ts'
import type { Target } from './targets.ts'

/** Why this machine cannot run replicas behind nginx, or undefined when it can. */
export function missing (): string | undefined {
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    return 'redis-server is not installed (Debian: apt-get install redis-server; npm test installs it)'
  }
  if (nginxCommand() === undefined) {
    return 'nginx is not installed (Debian: apt-get install nginx-light; npm test installs it)'
  }
  return undefined
}

export interface Replica {
  /** A, B... */
  name: string
  target: Target
  /** The process running now: a restart replaces it. */
  running: Running
}

export interface Replicas {
  redis: Running
  replicas: Replica[]
  /** Every process serving: Redis and the replicas, then the proxies started in front of them. */
  serving: () => Running[]
  /**
   * nginx in front of `replicas` (all of them unless said), on a port of its own; ready once a request through it is
   * answered.
   */
  proxy: (replicas?: Replica[]) => Promise<Proxy>
  /** Stops every process of the set: proxies, replicas, then Redis. */
  stop: () => Promise<void>
}

export interface Proxy {
  port: number
  running: Running
  /** Its access log so far, a line a request. */
  accessLog: () => Promise<AccessLine[]>
}

/**
 * Connections an nginx worker may hold, two for each client (its own and the replica's): room for 8,000 clients on one
 * worker, under the open-file limit the harness gives its servers (OPEN_FILES, 20,000), which nginx checks it against.
 */
const WORKER_CONNECTIONS = 16_384
/**
 * Longer than a replica's stop may last (SHUTDOWN_DELAY_MS and SHUTDOWN_TIMEOUT_MS, 5 s and 10 s by default): a stop is
 * never cut short.
 */
export const STOP_GRACE_MS = 20_000

/**
 * Starts Redis and `count` replicas of the service sharing it, each ready (its /ready answering 200: Redis reached), in
 * `dir` (which must exist); `env` over the service's settings.
 */
export async function startReplicas (
  run: Run,
  dir: string,
  count: number,
  env: Record<string, string>
): Promise<Replicas> {
  const redisPort = await freePort()
  const redis = await startServing(
    { command: 'redis-server', args: redisArgs(redisPort, dir), port: redisPort },
    async () => await answersPing(redisPort)
  )
  const proxies: Running[] = []
  const replicas: Replica[] = []
  const stop = async (): Promise<void> => {
    await Promise.all([...proxies, ...replicas.map(({ running }) => running)].map(async (each) => {
      await stopServer(each, STOP_GRACE_MS)
    }))
    await stopServer(redis)
  }
  try {
    // One after another: each takes the CPU they share for its start.
    for (let index = 0; index < count; index++) {
      const target = run.service(await freePort(), { REDIS_URL: `redis://127.0.0.1:${redisPort}`, ...env })
      replicas.push({ name: String.fromCharCode(65 + index), target, running: await startServer(target, '/ready') })
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    redis,
    replicas,
    serving: () => [redis, ...replicas.map(({ running }) => running), ...proxies],
    proxy: async (behind = replicas) => {
      const port = await freePort()
      const files = join(dir, `nginx-${proxies.length + 1}`)
      await mkdir(files)
      const { args, accessLog } = await writeNginxFiles(
        files,
        port,
        behind.map(({ target }) => `127.0.0.1:${target.port}`),
        WORKER_CONNECTIONS
      )
      const running = await startServer({ command: nginxCommand() as string, args, port }, '/ready')
      proxies.push(running)
      return {
        port,
        running,
        accessLog: async () => (await readFile(accessLog, 'utf8'))
          .split('\n')
          .slice(0, -1)
          .map((line) => JSON.parse(line) as AccessLine)
      }
    },
    stop
  }
}
