// A real PostgreSQL for the tests: Debian's postgresql package, a throw-away cluster (initdb) in a temporary folder,
// listening on a free loopback port, as the postgres user when the tests run as root (PostgreSQL refuses to run as
// root); stopped and started again as a test says, and gone when the test ends or its process dies, however.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { freePort } from './redis-server.ts'

export interface PostgresServer {
  /**
   * postgres://postgres@127.0.0.1:<port>/postgres, with no password: the postgres user is trusted on loopback; any
   * other role logs in with its password.
   */
  url: string
  port: number
  /** Stops the server (a fast shutdown: its sessions ended), its data kept. */
  stop: () => Promise<void>
  /** Starts it again on the same port, with its data. */
  start: () => Promise<void>
  /** Runs `sql` with psql, as the postgres user, and gives back its output's rows, one string each. */
  query: (sql: string) => string[]
}

const MISSING = 'PostgreSQL is not installed: the tests need the Debian package postgresql ' +
  '(npm test installs it: node scripts/system-packages.mjs)'

/** The folder of the newest PostgreSQL's programs Debian installed (initdb and postgres are not on the path). */
function binDir (): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined || !existsSync(join(root, newest, 'bin', 'initdb'))) throw new Error(MISSING)
  return join(root, newest, 'bin')
}

/** The postgres user's ids when this process is root, to run PostgreSQL as; undefined otherwise. */
function postgresUser (): { uid: number, gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim())
  const user = { uid: id('-u'), gid: id('-g') }
  if (!Number.isInteger(user.uid) || user.uid === 0) throw new Error(`${MISSING}: it brings the postgres user`)
  return user
}

/**
 * Starts a PostgreSQL for this test (or for whatever gives a teardown: the benchmark); throws naming the Debian package
 * when it is missing.
 */
export async function postgresServer (t: Pick<Test, 'teardown'>): Promise<PostgresServer> {
  const bin = binDir()
  const user = postgresUser()
  // setpriv, as for Redis: the server dies with this process however it ends; as the postgres user when root.
  const as = ['setpriv', '--pdeathsig', 'KILL',
    ...(user === undefined ? [] : [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups'])]
  const dir = mkdtempSync(join(tmpdir(), 'postgres-test-'))
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  let port = await freePort()
  const run = (command: string, args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(as[0] as string, [...as.slice(1), join(bin, command), ...args], { encoding: 'utf8', cwd: dir })
  const init = run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  if (init.status !== 0) throw new Error(`initdb failed: ${String(init.stderr)}`)
  // The postgres user without a password; any other role a test makes logs in with its password.
  writeFileSync(join(data, 'pg_hba.conf'), [
    'local all all trust',
    'host all postgres 127.0.0.1/32 trust',
    'host all all 127.0.0.1/32 scram-sha-256',
    ''
  ].join('\n'))

  let child: ChildProcess | undefined
  const psql = (sql: string): ReturnType<typeof spawnSync> =>
    spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atqc', sql],
      { encoding: 'utf8' })

  /** Starts the server; `first`: on a free port, another one if a process took it first. */
  async function start (first = false): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // Small shared buffers: many of these run at once on a busy machine, and none holds much data.
      const started = spawn(as[0] as string, [...as.slice(1), join(bin, 'postgres'), '-D', data, '-p', String(port),
        '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB'],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir })
      let said = ''
      started.stderr.setEncoding('utf8').on('data', (chunk: string) => { said += chunk })
      child = started
      const deadline = performance.now() + 30_000
      while (started.exitCode === null && psql('SELECT 1').status !== 0) {
        if (performance.now() > deadline) throw new Error(`PostgreSQL did not start on port ${port}:\n${said}`)
        await sleep(50)
      }
      if (started.exitCode === null) return
      if (!first || !said.includes('Address already in use') || attempt === 3) {
        throw new Error(`PostgreSQL did not start on port ${port}:\n${said}`)
      }
      port = await freePort()
    }
  }

  async function stop (): Promise<void> {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    // setpriv execs postgres: the signal reaches the server itself. SIGINT: a fast shutdown.
    running.kill('SIGINT')
    await exited
  }

  await start(true)
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    query (sql) {
      const answer = psql(sql)
      if (answer.status !== 0) throw new Error(`psql failed: ${String(answer.stderr)}`)
      return String(answer.stdout).split('\n').filter((line) => line !== '')
    }
  }
}

/** The service's queries (application_name async-service) PostgreSQL is running now. */
export function serviceQueries (postgres: PostgresServer): number {
  return Number(postgres.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'async-service' " +
    "AND state = 'active' AND query LIKE '%pg_sleep%'")[0])
}
