// npm run compare:flask: the seed's Flask app and this service asked the same requests side by side: status,
// Allow, and for 2xx answers Content-Type, body and how long they took (within 150 ms of each other).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { freePort, startServer, stopServer } from './lib/processes.ts'
import { flaskDev, pythonWithFlask, service } from './lib/targets.ts'

const TOLERANCE_MS = 150
const REQUESTS: Array<[method: string, path: string]> = [
  ['GET', '/'], ['HEAD', '/'], ['GET', '/wait'], ['HEAD', '/wait'], ['GET', '/sync'], ['HEAD', '/sync'],
  ['POST', '/'], ['PUT', '/sync'], ['DELETE', '/wait'], ['PATCH', '/'],
  ['OPTIONS', '/'], ['OPTIONS', '/sync'], ['OPTIONS', '/wait'],
  ['GET', '/nope'], ['GET', '/sync/'], ['POST', '/nope']
]

interface Answer {
  status: number
  allow: string
  contentType: string
  body: string
  ms: number
}

async function ask (port: number, method: string, path: string): Promise<Answer> {
  const started = performance.now()
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method })
  const body = await response.text()
  const allow = (response.headers.get('allow') ?? '').split(/,\s*/).filter(Boolean).sort().join(', ')
  return {
    status: response.status,
    allow,
    contentType: response.headers.get('content-type') ?? '',
    body,
    ms: performance.now() - started
  }
}

/** What differs between the two answers, by the rules above; empty when a client cannot tell them apart. */
function differences (flask: Answer, ours: Answer): string[] {
  const found: string[] = []
  if (flask.status !== ours.status) found.push(`status ${flask.status} ≠ ${ours.status}`)
  if (flask.allow !== ours.allow) found.push(`Allow "${flask.allow}" ≠ "${ours.allow}"`)
  if (flask.status < 300) {
    if (flask.contentType !== ours.contentType) {
      found.push(`Content-Type "${flask.contentType}" ≠ "${ours.contentType}"`)
    }
    if (flask.body !== ours.body) found.push(`body ${JSON.stringify(flask.body)} ≠ ${JSON.stringify(ours.body)}`)
    if (Math.abs(flask.ms - ours.ms) > TOLERANCE_MS) {
      found.push(`time ${Math.round(flask.ms)} ms ≠ ${Math.round(ours.ms)} ms`)
    }
  } else if (!ours.contentType.startsWith('application/json')) {
    found.push(`error as ${ours.contentType}, not JSON`)
  }
  return found
}

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
let mismatches = 0
console.log('| request | Flask | service | same to a client |\n|---|---|---|---|')
try {
  for (const [method, path] of REQUESTS) {
    const [theirs, mine] = await Promise.all([ask(flaskPort, method, path), ask(ourPort, method, path)])
    const found = differences(theirs, mine)
    mismatches += found.length === 0 ? 0 : 1
    const cell = (answer: Answer): string =>
      `${answer.status}${answer.allow === '' ? '' : ` Allow: ${answer.allow}`}, ${Math.round(answer.ms)} ms`
    console.log(`| ${method} ${path} | ${cell(theirs)} | ${cell(mine)} | ` +
      `${found.length === 0 ? 'yes' : `**no**: ${found.join('; ')}`} |`)
  }
} finally {
  await Promise.all([stopServer(flask), stopServer(ours)])
}
console.log(mismatches === 0 ? '\nEvery answer matches.' : `\n${mismatches} answers differ.`)
process.exitCode = mismatches === 0 ? 0 : 1
