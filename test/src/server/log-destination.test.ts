// The log destination: lines of one event-loop turn are written together, and nothing is written for nothing.
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import { BatchedDestination } from '../../../src/server/log-destination.ts'

t.test('lines written in one turn reach the file together, after the turn', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'log-'))
  const file = join(dir, 'out.log')
  const fd = openSync(file, 'w')
  t.teardown(async () => { closeSync(fd); await rm(dir, { recursive: true, force: true }) })
  const destination = new BatchedDestination(fd)
  destination.write('one\n')
  destination.write('two\n')
  t.equal(readFileSync(file, 'utf8'), '', 'nothing written during the turn')
  await nextTurn()
  t.equal(readFileSync(file, 'utf8'), 'one\ntwo\n')
  destination.write('three\n')
  destination.flush()
  t.equal(readFileSync(file, 'utf8'), 'one\ntwo\nthree\n', 'flush writes at once')
  await nextTurn()
  t.equal(readFileSync(file, 'utf8'), 'one\ntwo\nthree\n', 'the scheduled write finds nothing left')
})

t.test(
  'a write that takes part of the text, or none while the pipe is full, is carried on until all is written',
  async (t) => {
    const written: string[] = []
    let calls = 0
    const writeSync = (fd: number, data: Buffer): number => {
      calls++
      if (calls === 1) throw Object.assign(new Error('resource temporarily unavailable'), { code: 'EAGAIN' })
      const taken = calls === 2 ? 3 : data.length
      written.push(data.subarray(0, taken).toString())
      return taken
    }
    const { BatchedDestination: Mocked } = await t.mockImport<typeof import('../../../src/server/log-destination.ts')>(
      '../../../src/server/log-destination.ts', { 'node:fs': { writeSync } })
    const destination = new Mocked(1)
    destination.write('one\ntwo\n')
    destination.flush()
    t.equal(written.join(''), 'one\ntwo\n')
    t.equal(calls, 3, 'refused once, then part, then the rest')
  }
)

t.test('any other write error is not swallowed', async (t) => {
  const writeSync = (): number => { throw Object.assign(new Error('bad file descriptor'), { code: 'EBADF' }) }
  const { BatchedDestination: Mocked } = await t.mockImport<typeof import('../../../src/server/log-destination.ts')>(
    '../../../src/server/log-destination.ts', { 'node:fs': { writeSync } })
  const destination = new Mocked(1)
  destination.write('line\n')
  t.throws(() => { destination.flush() }, { code: 'EBADF' })
})

t.test('lines still gathered when the process exits are written before it ends', async (t) => {
  const module = JSON.stringify(join(import.meta.dirname, '..', '..', '..', 'src', 'server', 'log-destination.ts'))
  const script = `import { BatchedDestination } from ${module}
const destination = new BatchedDestination(1)
destination.write('last words\\n')
process.exit(0)`
  const { stdout, status } = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '--eval', script],
    { encoding: 'utf8' })
  t.equal(status, 0)
  t.equal(stdout, 'last words\n')
})

t.test(
  'a single line is written after its turn, and however many lines, the flush at exit is registered once',
  async (t) => {
    const written: string[] = []
    const writeSync = (fd: number, data: Buffer): number => { written.push(data.toString()); return data.length }
    const { BatchedDestination: Mocked } = await t.mockImport<typeof import('../../../src/server/log-destination.ts')>(
      '../../../src/server/log-destination.ts', { 'node:fs': { writeSync } })
    const exitListeners = process.listenerCount('exit')
    const destination = new Mocked(1)
    destination.write('alone\n')
    await nextTurn()
    t.same(written, ['alone\n'])
    for (let line = 0; line < 20; line++) destination.write(`${line}\n`)
    t.equal(process.listenerCount('exit'), exitListeners + 1)
    destination.flush()
  }
)

t.test('while the pipe stays full, it waits a millisecond between tries rather than spin', async (t) => {
  let refusals = 0
  const writeSync = (fd: number, data: Buffer): number => {
    if (refusals < 10) {
      refusals++
      throw Object.assign(new Error('resource temporarily unavailable'), { code: 'EAGAIN' })
    }
    return data.length
  }
  const { BatchedDestination: Mocked } = await t.mockImport<typeof import('../../../src/server/log-destination.ts')>(
    '../../../src/server/log-destination.ts', { 'node:fs': { writeSync } })
  const destination = new Mocked(1)
  destination.write('line\n')
  const started = performance.now()
  destination.flush()
  const elapsed = performance.now() - started
  t.equal(refusals, 10)
  t.ok(elapsed >= 9, `ten refusals, ten pauses of a millisecond (${elapsed.toFixed(1)} ms)`)
})
