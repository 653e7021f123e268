// Path values for each converter: one it takes, the smallest within its bounds, and one it refuses where it refuses
// any; a rule filled with them.
import t from 'tap'
import type { FlaskVariable } from '../../parity/flask.ts'
import { fillRule, refusedValue, samplePath, sampleValue } from '../../parity/samples.ts'
import { flaskRule, flaskVariable } from '../helpers/parity.ts'

const variable = (converter: string, kwargs: Record<string, unknown> = {}, args: unknown[] = []): FlaskVariable =>
  flaskVariable('v', converter, { kwargs, args })

t.test('a value each converter takes, within its bounds', async (t) => {
  t.equal(sampleValue(variable('int')), '1')
  t.equal(sampleValue(variable('int', { min: 5, max: 9 })), '5')
  t.equal(sampleValue(variable('int', { fixed_digits: 4 })), '0001')
  t.equal(sampleValue(variable('float')), '1.5')
  t.equal(sampleValue(variable('float', { min: 3 })), '3.5')
  t.equal(sampleValue(variable('float', { min: 2.5 })), '3.0', 'a fraction always, as Werkzeug wants one')
  t.equal(sampleValue(variable('float', { max: 1 })), '1.0')
  t.equal(sampleValue(variable('int', { max: 0 })), '0')
  t.equal(sampleValue(variable('uuid')), '2f1e5b2c-6a3d-4c7e-9f10-3b2a1c0d9e8f')
  t.equal(sampleValue(variable('path')), 'a/b.txt')
  t.equal(sampleValue(variable('any', {}, ['new', 'popular'])), 'new')
  t.equal(sampleValue(variable('default')), 'a')
  t.equal(sampleValue(variable('string', { length: 3 })), 'abc')
  t.equal(sampleValue(variable('string', { minlength: 30 })), 'abcdefghijklmnopqrstuvwxyzabcd')
  t.equal(sampleValue({ ...variable('slug'), builtin: false }), 'sample', "an app's own converter: a guess")
})

t.test('a value each converter refuses, where it refuses any', async (t) => {
  t.equal(refusedValue(variable('int')), 'x')
  t.equal(refusedValue(variable('float')), 'x')
  t.equal(refusedValue(variable('uuid')), 'x')
  t.equal(refusedValue(variable('any', {}, ['new', 'popular'])), 'new-not')
  t.equal(refusedValue(variable('string', { length: 3 })), 'xxxx')
  t.equal(refusedValue(variable('string', { maxlength: 2 })), 'xxx')
  t.equal(refusedValue(variable('default')), undefined, 'any segment')
  t.equal(refusedValue(variable('path')), undefined, 'any path')
  t.equal(refusedValue({ ...variable('slug'), builtin: false }), undefined, "an app's own converter: unknown")
})

t.test('a rule filled with values, encoded as a path', async (t) => {
  const rule = flaskRule('/items/<int:item_id>/<name>', ['GET'], 'item',
    [flaskVariable('item_id', 'int'), flaskVariable('name', 'default')])
  t.equal(samplePath(rule), '/items/1/a')
  t.equal(fillRule(rule, ({ name }) => (name === 'name' ? 'c#/?' : '7')), '/items/7/c%23%2F%3F', 'one segment')
  const files = flaskRule('/files/<path:rest>', ['GET'], 'files', [flaskVariable('rest', 'path')])
  t.equal(fillRule(files, () => 'a b/c#'), '/files/a%20b/c%23', "a path's slashes kept")
})
