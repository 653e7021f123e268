// Installs the Debian packages the tests need when their commands are missing (npm test runs it first, as CI does):
// wrk drives the benchmark's load, ss (iproute2) shows a listening socket's backlog, chromium runs the live page's
// browser test headless, redis-server and nginx stand for the Redis and the load balancer that replicas share,
// postgresql for the database the dependency may be, and Flask with its async extra (python3-flask, python3-asgiref)
// runs the Flask apps npm run parity's tests take over. As root, or through sudo.
import { spawnSync } from 'node:child_process'

/** The command each test runs, and the Debian package that provides it. */
const NEEDED = [
  { command: 'wrk', debianPackage: 'wrk' },
  { command: 'ss', debianPackage: 'iproute2' },
  { command: 'chromium', debianPackage: 'chromium' },
  { command: 'redis-server', debianPackage: 'redis-server' },
  { command: 'nginx', debianPackage: 'nginx-light' },
  { command: 'pg_virtualenv', debianPackage: 'postgresql' }
]
/** Python modules: a python3 on the path that imports them will do, or Debian's own once its packages are in. */
const PYTHON_MODULES = [
  { module: 'flask', debianPackage: 'python3-flask' },
  { module: 'asgiref', debianPackage: 'python3-asgiref' }
]

// nginx lives in /usr/sbin, which is on root's path but not always on a user's.
const found = (command) =>
  spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' }).status === 0
const imported = (module) => ['python3', '/usr/bin/python3']
  .some((python) => spawnSync(python, ['-c', `import flask, ${module}`], { stdio: 'ignore' }).status === 0)
const missing = [
  ...NEEDED.filter(({ command }) => !found(command)),
  ...PYTHON_MODULES.filter(({ module }) => !imported(module))
].map(({ debianPackage }) => debianPackage)
if (missing.length === 0) process.exit(0)

const asRoot = process.getuid?.() === 0 ? [] : found('sudo') ? ['sudo', '-n'] : undefined
if (asRoot === undefined || !found('apt-get')) {
  console.error(`The tests need the Debian packages ${missing.join(', ')}; ` +
    `install them (apt-get install ${missing.join(' ')}) and run again.`)
  process.exit(1)
}
console.error(`# installing ${missing.join(', ')} for the tests`)
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
  const [command, ...rest] = [...asRoot, 'apt-get', ...args]
  const run = spawnSync(command, rest, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  if (run.status !== 0) {
    console.error(`Could not install ${missing.join(', ')} (apt-get ${args[0]} failed); install them and run again.`)
    process.exit(1)
  }
}
