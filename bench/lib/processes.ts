// Servers under test as child processes: start with a raised open-file limit, wait for the first 200, measure memory,
// stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus } from 'node:os'

/** Open files a server or load generator may need: one per connection, and some to spare. */
export const OPEN_FILES = 20_000

export interface Command {
  command: string
  args: string[]
  env?: Record<string, string>
  cwd?: string
}

export interface Server extends Command {
  port: number
  /** Where its stdout goes (ignored when omitted). */
  logFile?: string
}

export interface Running {
  child: ChildProcess
  /** From spawning the process to its first 200 answer (or whatever said it served). */
  startupMs: number
  /** What it has written to stderr so far. */
  stderr: () => string
}

/** The hard open-file limit of this shell, or why it is too low for `OPEN_FILES`. */
export function openFileLimit (): number {
  const { stdout } = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' })
  return stdout.trim() === 'unlimited' ? Infinity : Number(stdout.trim())
}

/**
 * CPUs for the servers and for the load generator, so that the two do not take turns on one core: the first CPU
 * for servers, the others for wrk. Undefined (no pinning) on one core or without taskset.
 */
export const PINNING = cpus().length > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
  ? { server: '0', load: cpus().length > 2 ? `1-${cpus().length - 1}` : '1' }
  : undefined

/** Spawns `command` under `sh` with the open-file limit raised (and pinned to `cpuList`), for node, python or wrk. */
export function spawnWithLimit (
  { command, args, env, cwd }: Command,
  stdout: 'pipe' | 'ignore' | number = 'ignore',
  cpuList?: string
): ChildProcess {
  const limit = Math.min(OPEN_FILES, openFileLimit())
  const pin = cpuList === undefined ? '' : `taskset -c ${cpuList} `
  // A process group of its own, so that stopping it stops its workers too (gunicorn's).
  // Without NODE_OPTIONS, so that nothing preloaded weighs on the figures: under tap, its process tracker (which it
  // puts back into the environment of every process spawned, hence the unset in the shell) slows each start by 0.2 s.
  const script = `ulimit -n ${limit} && unset NODE_OPTIONS && exec ${pin}"$@"`
  const child = spawn('sh', ['-c', script, 'sh', command, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe'],
    detached: true
  })
  const killGroup = (): void => { signalGroup(child, 'SIGKILL') }
  process.once('exit', killGroup)
  child.once('exit', () => process.removeListener('exit', killGroup))
  return child
}

function signalGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** Starts a server and resolves once GET `readyPath` on its port answers 200. */
export async function startServer (server: Server, readyPath = '/sync'): Promise<Running> {
  return await startServing(server, async () => {
    try {
      // Not kept alive: the service gives an idle connection a second to begin a request before it stops.
      const response = await fetch(`http://127.0.0.1:${server.port}${readyPath}`, { headers: { connection: 'close' } })
      await response.arrayBuffer()
      return response.status === 200
    } catch {
      return false // not listening yet
    }
  })
}

/**
 * Starts a server (pinned to the servers' CPU) and resolves once `serves` says it does, asked every 5 ms for 30 s at
 * most.
 */
export async function startServing (server: Server, serves: () => Promise<boolean>): Promise<Running> {
  const started = performance.now()
  const fd = server.logFile === undefined ? 'ignore' : openSync(server.logFile, 'a')
  const child = spawnWithLimit(server, fd, PINNING?.server)
  if (typeof fd === 'number') closeSync(fd)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${server.command} exited with ${child.exitCode}: ${stderr}`)
    if (await serves()) return { child, startupMs: performance.now() - started, stderr: () => stderr }
    if (performance.now() - started > 30_000) throw new Error(`${server.command} did not answer within 30 s: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Stops a server: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopServer ({ child }: Running, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  signalGroup(child, 'SIGTERM')
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
  signalGroup(child, 'SIGKILL')
}

/** The text of /proc/<pid>/<file>, or '' once the process has ended. */
function readProc (pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return ''
  }
}

/** A process and all its descendants (gunicorn's workers, say), read from /proc; empty once the process has ended. */
function processTree (pid: number): number[] {
  try {
    const children = readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => readProc(pid, `task/${task}/children`).split(' ').filter(Boolean))
    return [pid, ...children.flatMap((child) => processTree(Number(child)))]
  } catch {
    return []
  }
}

/** Resident memory of a process and all its descendants, in KB. */
export function treeRssKb (pid: number): number {
  return processTree(pid).reduce((total, member) => total + Number(/VmRSS:\s+(\d+)/.exec(readProc(member, 'status'))?.[1] ?? 0), 0)
}

/** Clock ticks per second, the unit of the processor times in /proc/<pid>/stat: USER_HZ, 100 on every usual build. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100)

/** Processor time, user and system, that one process has used so far, in seconds; undefined once it has ended. */
function cpuSeconds (pid: number): number | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === '') return undefined
  // After the command's name in parentheses (which may hold spaces), utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/**
 * Processor time that a process and all its descendants have used so far, in seconds; undefined once the process
 * has ended. The time of descendants that ended before is not counted: none of the servers' workers do.
 */
export function treeCpuSeconds (pid: number): number | undefined {
  const [own, ...descendants] = processTree(pid).map(cpuSeconds)
  return own === undefined ? undefined : descendants.reduce((total: number, seconds) => total + (seconds ?? 0), own)
}

/** A TCP port free on the loopback interface right now. */
export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
