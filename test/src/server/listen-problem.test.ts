// Why a listen failed, in the one line the process prints before it exits 1.
import t from 'tap'
import { listenProblem } from '../../../src/server/listen-problem.ts'

const failed = (code: string, message = 'listen failed'): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code })

t.test('each cause a user can mend is said in words, with the variable to change', async (t) => {
  t.equal(listenProblem(failed('EADDRINUSE'), '127.0.0.1', 3000), 'Cannot listen: PORT 3000 is in use on 127.0.0.1')
  t.equal(listenProblem(failed('EACCES'), '0.0.0.0', 80),
    'Cannot listen: PORT 80 on 0.0.0.0 needs privileges this process does not have')
  t.equal(listenProblem(failed('EADDRNOTAVAIL'), '10.9.8.7', 3000),
    'Cannot listen: HOST 10.9.8.7 is not an address of this machine')
})

t.test('anything else with its own message', async (t) => {
  t.equal(listenProblem(failed('EMFILE', 'too many open files'), '::', 3000),
    'Cannot listen on :::3000: too many open files')
})
