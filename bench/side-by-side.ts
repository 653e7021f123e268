// npm run compare:flask: the seed's Flask app under Flask's own server and this service's build, compared request by
// request with npm run parity -- compare: the route table's requests and bench/flask/requests.json's, the seed's
// deliberate differences explained by bench/flask/differences.json. Exit status 0 when nothing else differs.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { parity } from '../parity/cli.ts'
import { freePort, startServer, stopServer } from './lib/processes.ts'
import { FLASK_DIR, flaskDev, pythonWithFlask, service } from './lib/targets.ts'

const python = pythonWithFlask()
if (python === undefined) {
  console.error('No python3 here imports flask with its async extra ' +
    '(Debian: apt-get install python3-flask python3-asgiref).')
  process.exit(2)
}
const ROOT = join(import.meta.dirname, '..')
if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }).status !== 0) {
  throw new Error('npm run build failed')
}

const [flaskPort, ourPort] = [await freePort(), await freePort()]
const flask = await startServer(flaskDev(python, flaskPort))
const ourService = service(ourPort, join(ROOT, 'dist'))
const ours = await startServer({ ...ourService, env: { ...ourService.env, LOG_LEVEL: 'silent' } })
try {
  process.env.PYTHON = python
  process.exitCode = await parity([
    'compare',
    '--flask-app', 'app',
    '--flask-path', FLASK_DIR,
    '--flask-url', `http://127.0.0.1:${flaskPort}`,
    '--service-url', `http://127.0.0.1:${ourPort}`,
    '--requests', join(FLASK_DIR, 'requests.json'),
    '--ignore', join(FLASK_DIR, 'differences.json')
  ], console.log)
} finally {
  await Promise.all([stopServer(flask), stopServer(ours)])
}
