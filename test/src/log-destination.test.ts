// The log destination: lines of one event-loop turn are written together, and nothing is written for nothing.
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import { BatchedDestination } from '../../src/log-destination.js'

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
