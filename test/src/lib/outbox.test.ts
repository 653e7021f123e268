// The outbox: frames reach their targets in the order given, 8 sends a turn of the event loop, a frame given to
// many targets in a row queued once; what waits is counted.
import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import { Outbox } from '../../../src/lib/outbox.ts'

/** An outbox to numbered targets, and what each got. */
function outbox (targets: number) {
  const got: string[][] = Array.from({ length: targets }, () => [])
  const box = new Outbox<number>((target, frame) => { (got[target] as string[]).push(frame) })
  return { box, got, sent: (): number => got.reduce((sum, frames) => sum + frames.length, 0) }
}

t.test('nothing is sent at once; from the next turn, 8 sends a turn, in the order given', async (t) => {
  const { box, got, sent } = outbox(20)
  for (let target = 0; target < 20; target++) box.send(target, 'a')
  t.equal(sent(), 0)
  t.equal(box.waiting, 20)
  await nextTurn()
  t.equal(sent(), 8)
  t.same(got.slice(0, 8).map((frames) => frames.join()), Array(8).fill('a'), 'the first 8 given')
  t.equal(box.waiting, 12)
  await nextTurn()
  t.equal(sent(), 16)
  await nextTurn()
  t.equal(sent(), 20)
  t.equal(box.waiting, 0)
})

t.test('each target gets its frames in the order given, across frames and turns', async (t) => {
  const { box, got } = outbox(300)
  for (const frame of ['1', '2', '3']) for (let target = 0; target < 300; target++) box.send(target, frame)
  box.send(7, '4')
  while (box.waiting > 0) await nextTurn()
  t.ok(got.every((frames, target) => frames.join('') === (target === 7 ? '1234' : '123')))
})

t.test('a frame sent to the same target twice in a row reaches it twice', async (t) => {
  const { box, got } = outbox(1)
  box.send(0, 'x')
  box.send(0, 'x')
  await nextTurn()
  t.same(got[0], ['x', 'x'])
})

t.test('frames given while a turn is under way go after the rest', async (t) => {
  const got: string[] = []
  const box: Outbox<string> = new Outbox((target, frame) => {
    got.push(`${target}${frame}`)
    if (frame === 'a' && target === 'p') box.send('p', 'b')
  }, 2)
  box.send('p', 'a')
  box.send('q', 'a')
  box.send('r', 'a')
  for (let turn = 0; turn < 5; turn++) await nextTurn()
  t.same(got, ['pa', 'qa', 'ra', 'pb'])
})
