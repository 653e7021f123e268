// A test process that starts a server through one of the helpers and is then killed outright, for the tests that
// check the server dies with it: its files in a folder of the calling test's, which it cannot remove itself.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Test } from 'tap'

/**
 * Runs `starts`, an ES module's code that starts a server and prints its port, in a process of its own; resolves with
 * the port, and a kill() that ends that process with SIGKILL.
 */
export async function killedTest (t: Test, starts: string): Promise<{ port: number, kill: () => Promise<void> }> {
  const files = await mkdtemp(join(tmpdir(), 'killed-test-'))
  // Open to the postgres user, which PostgreSQL runs as when the tests run as root.
  await chmod(files, 0o755)
  const child = spawn(process.execPath, ['--input-type=module', '-e', `${starts}\nsetInterval(() => {}, 1000)`],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: files } })
  t.teardown(async () => {
    child.kill('SIGKILL')
    await rm(files, { recursive: true, force: true })
  })
  const [line] = await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line') as [string]
  return {
    port: Number(line),
    async kill () {
      child.kill('SIGKILL')
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
    }
  }
}
