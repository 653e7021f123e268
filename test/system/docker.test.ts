// The image without a Docker engine: the Dockerfile's facts that matter, then its stages laid out in temporary folders
// (what each COPY copies, the build, the production install) and its command served and stopped; and compose.yaml.
import { execFile, spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, posix, relative } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { parity } from '../../parity/cli.ts'
import { loadConfig } from '../../src/config/index.ts'
import { entries, listening, watch, type ServerProcess } from '../helpers/server-process.ts'

const ROOT = join(import.meta.dirname, '..', '..')

// A production install from the npm registry, a build and two processes: room for a busy machine.
t.setTimeout(300_000)

interface Copy { instruction: 'COPY', sources: string[], destination: string, from?: string, chown?: string }
interface Run { instruction: 'RUN', command: string }

interface Stage {
  name: string
  image: string
  workdir: string
  env: Record<string, string>
  /** COPY and RUN, in their order. */
  steps: Array<Copy | Run>
  user?: string
  expose: string[]
  /** As written after CMD: exec form is JSON. */
  healthcheck?: string
  cmd?: string
  stopSignal?: string
}

/** The Dockerfile's stages, from the instructions this emulation knows; any other one fails the test, unemulated. */
function parseDockerfile (text: string): Stage[] {
  const stages: Stage[] = []
  let pending = ''
  for (const line of text.split('\n')) {
    // Comments and blank lines, within a continued instruction too, as Docker reads them.
    if (/^\s*(#|$)/.test(line)) continue
    pending += line.replace(/\\$/, ' ')
    if (line.endsWith('\\')) continue
    const [, keyword = '', args = ''] = /^\s*(\w+)\s+(.*?)\s*$/.exec(pending) ?? []
    pending = ''
    const stage = stages.at(-1) as Stage
    switch (keyword.toUpperCase()) {
      case 'FROM': {
        const [, image = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? []
        stages.push({ name, image, workdir: '/', env: {}, steps: [], expose: [] })
        break
      }
      case 'WORKDIR': stage.workdir = posix.resolve(stage.workdir, args); break
      case 'ENV':
        for (const [, name = '', value = ''] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[name] = value.replace(/^"(.*)"$/, '$1')
        break
      case 'COPY': {
        const words = args.split(/\s+/)
        const flags = Object.fromEntries(words.filter((word) => word.startsWith('--'))
          .map((word) => word.slice(2).split('=')))
        const paths = words.filter((word) => !word.startsWith('--'))
        stage.steps.push({
          instruction: 'COPY',
          sources: paths.slice(0, -1),
          destination: paths.at(-1) as string,
          from: flags.from,
          chown: flags.chown
        })
        break
      }
      case 'RUN': stage.steps.push({ instruction: 'RUN', command: args }); break
      case 'USER': stage.user = args; break
      case 'EXPOSE': stage.expose.push(...args.split(/\s+/)); break
      case 'HEALTHCHECK': stage.healthcheck = /\bCMD\s+(.*)$/.exec(args)?.[1]; break
      case 'STOPSIGNAL': stage.stopSignal = args; break
      case 'CMD': stage.cmd = args; break
      default: throw new Error(`Dockerfile: ${keyword} is not emulated by this test`)
    }
  }
  return stages
}

/** The arguments of an exec-form CMD (a JSON array of strings), or undefined for the shell form. */
function execForm (command: string | undefined): string[] | undefined {
  try {
    const argv = JSON.parse(command ?? '')
    return Array.isArray(argv) && argv.every((arg) => typeof arg === 'string') ? argv : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether .dockerignore leaves a path of the context out, as Docker reads it: the last pattern matching the path or a
 * folder above it decides, `!` letting back in; `*` and `?` stay within a path segment, `**` crosses them.
 */
function dockerignore (text: string): (path: string) => boolean {
  const patterns = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!')
      const pattern = posix.normalize(line.replace(/^!/, '').trim()).replace(/^\/+/, '')
      const source = pattern.split('**/').map((part) => part.split('**').map((piece) =>
        piece.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*')).join('(.*/)?')
      return { exception, regex: new RegExp(`^${source}$`) }
    })
  return (path) => {
    const segments = path.split('/')
    let ignored = false
    for (const { exception, regex } of patterns) {
      if (segments.some((_, end) => regex.test(segments.slice(0, end + 1).join('/')))) ignored = !exception
    }
    return ignored
  }
}

const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
const stages = parseDockerfile(dockerfile)
const runtime = stages.at(-1) as Stage
const ignored = dockerignore(await readFile(join(ROOT, '.dockerignore'), 'utf8'))
const contextCopies = stages.flatMap((stage) => stage.steps)
  .filter((step): step is Copy => step.instruction === 'COPY' && step.from === undefined)

t.test('every stage is node:26-slim; the last one runs the service as production, as the node user', async (t) => {
  t.same(stages.map((stage) => [stage.name, stage.image]), [['build', 'node:26-slim'], ['runtime', 'node:26-slim']])
  t.has(runtime.env, { NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000' })
  t.equal(runtime.user, 'node')
  t.same(runtime.expose, ['3000'], 'the port it exposes is the one it listens on')
  t.same(execForm(runtime.cmd), ['node', 'dist/src/server.js'], 'exec form: node is PID 1 and gets the signals itself')
  t.equal(runtime.stopSignal, 'SIGTERM')
  t.notOk(runtime.steps.some((step) => step.instruction === 'COPY' && step.chown !== undefined),
    "the node user owns none of the app's files")
  t.ok(runtime.steps.some((step) => step.instruction === 'RUN' && /^npm ci --omit=dev && npm cache clean --force$/.test(step.command)),
    'production dependencies only, and no npm cache left in the image')
})

t.test("the healthcheck is node's own fetch of /health, in exec form", async (t) => {
  t.match(execForm(runtime.healthcheck), ['node', '-e', /fetch\('http:\/\/127\.0\.0\.1:.*\/health'/])
  t.notMatch(runtime.healthcheck, /curl|wget/, 'the slim image has neither')
})

t.test(
  '.dockerignore lets in every file the COPY lines take from the context, and keeps out secrets and outputs',
  async (t) => {
    const sources = [...new Set(contextCopies.flatMap((copy) => copy.sources))].sort()
    t.same(sources, ['package-lock.json', 'package.json', 'plugins', 'public', 'routes', 'scripts/build.mjs', 'src'])
    for (const source of sources) {
      const files = (await stat(join(ROOT, source))).isDirectory()
        ? (await readdir(join(ROOT, source), { recursive: true })).map((file) => posix.join(source, file))
        : [source]
      t.same(files.filter(ignored), [], `nothing of ${source} left out`)
    }
    for (const path of [
      '.env', '.git/config', 'node_modules/fastify/package.json', 'dist/src/server.js', 'coverage/index.html',
      '.tap/processinfo/x.json', 'reports/mutation/mutation.json', '.stryker-tmp/x', 'bench/results/latest.json',
      'test/helpers/app.ts'
    ]) {
      t.ok(ignored(path), `${path} left out`)
    }
  }
)

/** Runs a command with sh as RUN does, in `cwd`, with Node 26 (this one) first on the path as in the image. */
async function run (command: string, cwd: string, env: Record<string, string>): Promise<void> {
  const inherited = { ...process.env }
  // tap's hooks are for this process's tests, not for npm or the build.
  delete inherited.NODE_OPTIONS
  await promisify(execFile)('sh', ['-c', command], {
    cwd,
    env: { ...inherited, ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` }
  })
}

/**
 * Lays out a stage in `dir`, which stands for its WORKDIR: its COPY lines (from the context, as .dockerignore lets
 * them, or from an earlier stage's folder) and RUN lines, in order. `npm ci` runs for real, except where `installed`
 * says to link the project's node_modules instead; `npm cache clean` is left out, as it would empty this machine's
 * cache.
 */
async function layOut (
  stage: Stage,
  dir: string,
  { folders, installed }: { folders: Map<string, string>, installed?: string }
): Promise<void> {
  const inStage = (path: string, workdir: string, root: string): string => {
    const relative = posix.relative(workdir, posix.resolve(workdir, path))
    if (relative.startsWith('..')) {
      throw new Error(`${path} is outside the stage's WORKDIR, which this test lays out alone`)
    }
    return join(root, relative)
  }
  for (const step of stage.steps) {
    if (step.instruction === 'RUN') {
      for (const command of step.command.split('&&').map((part) => part.trim())) {
        if (command.startsWith('npm cache clean')) continue
        if (command.startsWith('npm ci') && installed !== undefined) await symlink(installed, join(dir, 'node_modules'))
        else await run(command, dir, stage.env)
      }
      continue
    }
    const from = step.from === undefined ? undefined : stages.find((other) => other.name === step.from) as Stage
    const target = inStage(step.destination, stage.workdir, dir)
    for (const source of step.sources) {
      const path = from === undefined
        ? join(ROOT, source)
        : inStage(source, from.workdir, folders.get(from.name) as string)
      // A folder's contents go to the destination; a file goes into it when it ends with a slash, else becomes it.
      const intoFolder = !(await stat(path)).isDirectory() && step.destination.endsWith('/')
      await cp(path, intoFolder ? join(target, basename(path)) : target, {
        recursive: true,
        filter: (file) => from !== undefined || !ignored(relative(ROOT, file))
      })
    }
  }
  folders.set(stage.name, dir)
}

async function temporaryFolder (t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Starts `argv` (node being this Node 26, the image's major) in `cwd` with `env` alone, as a container has it. */
function start (t: Test, argv: string[], cwd: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, argv.slice(1), { cwd, env })
  return watch(t, child)
}

t.test(
  'the image, emulated: built from what it copies, installed for production, its command serves and stops on SIGTERM',
  async (t) => {
    const [build] = stages
    const folders = new Map<string, string>()
    // The build stage's `npm ci --ignore-scripts` is not run: the project's node_modules stands in for it, so this
    // checks that the build works from what the COPY lines bring, not the install itself.
    await layOut(build as Stage, await temporaryFolder(t, 'image-build-'),
      { folders, installed: join(ROOT, 'node_modules') })
    const app = await temporaryFolder(t, 'image-runtime-')
    await layOut(runtime, app, { folders })
    t.ok(existsSync(join(app, 'node_modules', 'fastify')), 'production dependencies installed')
    t.notOk(existsSync(join(app, 'node_modules', 'esbuild')), 'dev dependencies not')

    const cmd = execForm(runtime.cmd) as string[]
    // The image's environment, but loopback only and any free port (a test listens nowhere else), and no delay at stop.
    const server = start(t, cmd, app, { ...runtime.env, HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DELAY_MS: '0' })
    const url = await listening(server)
    const health = await fetch(`${url}/health`)
    t.equal(health.status, 200, 'GET /health')
    t.match(health.headers.get('content-type'), /^application\/json/)
    t.type(await health.json(), 'object')
    const root = await fetch(`${url}/`)
    t.equal(root.status, 200, 'GET /')
    t.equal(await root.text(), 'Hello from async Flask!')
    const page = await fetch(`${url}/live`)
    t.equal(page.status, 200, 'GET /live: the page, from the files the build copied')
    t.match(await page.text(), '<script type="module" src="/assets/live.js"></script>')
    const script = await fetch(`${url}/assets/live.js`)
    t.equal(script.status, 200, 'and its script')
    t.equal(await script.text(), await readFile(join(ROOT, 'public', 'live.js'), 'utf8'))

    // The healthcheck's own command, with the container's environment (PORT the one the service took).
    const healthcheck = async (): Promise<number | null> =>
      await start(t, execForm(runtime.healthcheck) as string[], app, { ...runtime.env, PORT: new URL(url).port }).exit
    t.equal(await healthcheck(), 0, 'the healthcheck passes while the service serves')

    server.child.kill('SIGTERM')
    t.equal(await server.exit, 0, 'SIGTERM: a graceful stop', { log: server.stdout })
    t.has(entries(server).find((entry) => entry.msg === 'closing'), { signal: 'SIGTERM' })
    t.equal(server.stderr, '', 'nothing on stderr')
    t.equal(await healthcheck(), 1, 'and fails once it has stopped')
  }
)

const compose = parse(await readFile(join(ROOT, 'compose.yaml'), 'utf8'))
const { app, redis, postgres, nginx }: Record<'app' | 'redis' | 'postgres' | 'nginx', Record<string, any>> =
  compose.services

/** The major, minor and patch of an image's tag, such as nginx:1.28.0-alpine. */
function release (image: string): number[] {
  const [, version = ''] = /^[a-z]+:(\d+\.\d+\.\d+)(-[a-z0-9]+)?$/.exec(image) ?? []
  return version.split('.').map(Number)
}

t.test(
  'compose.yaml: replicas of the image behind nginx, sharing a Redis; nginx alone published, on loopback',
  async (t) => {
    t.same(Object.keys(compose.services).filter((name) => compose.services[name].profiles === undefined).sort(),
      ['app', 'nginx', 'postgres', 'redis'], 'without a profile')
    t.equal(app.build, '.', 'the app built from the Dockerfile')
    t.same(app.env_file, [{ path: '.env', required: false }])
    t.has(app.environment, { HOST: '0.0.0.0', PORT: '3000' },
      '.env.example says 127.0.0.1, which nginx could not reach')
    t.equal(app.environment.REDIS_URL, 'redis://redis:6379', 'the replicas share the redis service')
    t.equal(app.environment.TRUST_PROXY, 'uniquelocal',
      "nginx's X-Forwarded-For believed, from compose's private network")
    t.same(app.depends_on, { redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } })
    t.equal(app.ports, undefined, 'no fixed host port, so that docker compose up --scale app=3 starts three')
    t.equal(redis.ports, undefined)
    t.same(nginx.ports, ['127.0.0.1:3000:80'], 'the one published port, on loopback')
    t.same(nginx.depends_on, { app: { condition: 'service_healthy' } })

    t.equal(release(redis.image).length, 3, `${redis.image}: the official image, pinned to a release`)
    t.match(redis.healthcheck, { test: ['CMD-SHELL', /redis-cli ping/] })
    t.match(redis.command.join(' '), /--maxmemory-policy noeviction/, "BullMQ's keys are never evicted")
    t.equal(postgres.ports, undefined)
    t.match(postgres.image, /^postgres:17\.\d+-alpine$/, 'the official image, pinned to a release of 17')
    t.match(postgres.healthcheck, { test: ['CMD-SHELL', /pg_isready -U app -d app/] })
    t.same(postgres.volumes, ['postgres-data:/var/lib/postgresql/data'], 'its data in a volume')
    t.ok('postgres-data' in compose.volumes)
    const [major = 0, minor = 0, patch = 0] = release(nginx.image)
    t.ok(major * 1e6 + minor * 1e3 + patch >= 1_027_003,
      `${nginx.image}: the official image, pinned, 1.27.3 or later (the upstream's resolve)`)
  }
)

t.test("compose runs nginx with the project's configuration, sending to the app service on its port", async (t) => {
  const [mount = ''] = nginx.volumes
  const [source, target, mode] = mount.split(':')
  t.equal(source, './deploy/nginx')
  t.equal(mode, 'ro')
  const config = nginx.command[nginx.command.indexOf('-c') + 1] as string
  t.equal(posix.dirname(config), target, 'the main file is in the mounted folder, whose files it includes by name')
  const main = await readFile(join(ROOT, 'deploy', 'nginx', posix.basename(config)), 'utf8')
  const includes = [...main.matchAll(/^\s*include (\S+);$/gm)].map(([, file]) => file)
  t.same(includes, ['http.conf', 'upstream.conf', 'server.conf'])
  for (const file of includes) {
    t.ok(existsSync(join(ROOT, 'deploy', 'nginx', file as string)), `deploy/nginx/${file} exists`)
  }
  t.match(main, /^\s*listen 80;$/m, "the published port's container side")
  t.match(main, /^\s*resolver 127\.0\.0\.11 /m, "Docker's DNS, which answers a service's name with its replicas")
  const upstream = await readFile(join(ROOT, 'deploy', 'nginx', 'upstream.conf'), 'utf8')
  t.match(upstream, new RegExp(`^\\s*server app:${app.environment.PORT} resolve `, 'm'),
    'the app service, on the port its replicas listen on')
})

t.test("compose's replicas call its postgres service, with the password it is given", async (t) => {
  // Compose's own interpolation, written as compose.yaml has it: POSTGRES_PASSWORD from the shell or .env, else app.
  // eslint-disable-next-line no-template-curly-in-string
  const password = '${POSTGRES_PASSWORD:-app}'
  t.equal(app.environment.DATABASE_URL, `postgres://app:${password}@postgres:5432/app`)
  t.same(postgres.environment, { POSTGRES_USER: 'app', POSTGRES_DB: 'app', POSTGRES_PASSWORD: password },
    'the user, database and password the URL names')
  t.match(await loadConfig({ DATABASE_URL: app.environment.DATABASE_URL.replace(password, 'pw') }),
    { ok: true }, 'a URL the service takes once compose fills the password in')
})

t.test("compose's strangle profile: the seed under gunicorn and nginx in front of it and the app, as parity writes it",
  async (t) => {
    const { flask, strangler } = compose.services
    t.same([flask.profiles, strangler.profiles], [['strangle'], ['strangle']], 'up only when asked for')
    t.equal(flask.build, 'bench/flask')
    const dockerfile = await readFile(join(ROOT, 'bench', 'flask', 'Dockerfile'), 'utf8')
    t.match(dockerfile, /^RUN pip install --no-cache-dir "flask\[async\]==[\d.*]+" "gunicorn==[\d.*]+"$/m)
    t.match(dockerfile, /^CMD \["gunicorn", "--workers", "5", "--bind", "0\.0\.0\.0:5000", "app:app"\]$/m)
    t.same(strangler.volumes, ['./deploy/strangle:/etc/nginx/strangle:ro'])
    t.same(strangler.ports, ['127.0.0.1:8080:80'], 'published beside the service, on loopback')
    t.equal(strangler.image, nginx.image, "the same nginx as the replicas'")
    let config = ''
    await parity(['strangle', '--flask-app', 'app', '--flask-path', join(ROOT, 'bench', 'flask'),
      '--flask-upstream', 'flask:5000', '--service-upstream', 'app:3000', '--listen', '80'],
    (text) => { config += text })
    t.equal(await readFile(join(ROOT, 'deploy', 'strangle', 'strangler.conf'), 'utf8'), config,
      'strangler.conf is what npm run parity -- strangle writes for the seed: out of date, write it again')
    t.match(await readFile(join(ROOT, 'deploy', 'strangle', 'nginx.conf'), 'utf8'), /^ {4}include strangler\.conf;$/m)
  })

t.test('compose waits for a graceful stop of a replica', async (t) => {
  const result = await loadConfig(app.environment)
  if (!result.ok) throw new Error(result.problems.join('\n'))
  const { SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS } = result.config
  t.not(SHUTDOWN_TIMEOUT_MS, 0, 'a shutdown with a limit')
  const [, seconds = ''] = /^(\d+)s$/.exec(app.stop_grace_period) ?? []
  t.ok(Number(seconds) * 1000 > SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS,
    `stop_grace_period ${app.stop_grace_period} outlasts SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS`)
})
