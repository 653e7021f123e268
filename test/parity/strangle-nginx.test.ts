// npm run parity -- strangle with Debian's nginx in front of the running shop and its partial port: each request
// answered by the side the route table says, X-Served-By naming it; moving a route is regenerating the file and
// reloading nginx, and no request fails under load meanwhile.
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import t from 'tap'
import { parity } from '../../parity/cli.ts'
import { writeConfigFiles } from '../helpers/nginx-files.ts'
import { startNginx } from '../helpers/nginx.ts'
import { serveFlask, SHOP, SHOP_PORT } from '../helpers/parity.ts'

t.setTimeout(120_000)

interface Answer { status: number, by: string | undefined, body: string }

/** `method path` through nginx on a connection of its own, as many clients would. */
async function ask (url: string, method: string, path: string): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    request(new URL(path, url), { method, agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => {
        resolve({ status: response.statusCode as number, by: response.headers['x-served-by'] as string, body })
      })
    }).on('error', reject).end()
  })
}

t.test('each request goes to its side; a route moved by a reload under load loses no request', async (t) => {
  const flaskUrl = await serveFlask(t, SHOP.path as string,
    "import os; from shop import create_app; create_app().run(port=int(os.environ['PORT']))")
  const port = Fastify()
  await port.register((await import(SHOP_PORT)).default)
  t.teardown(() => port.close())
  await port.listen({ host: '127.0.0.1', port: 0 })
  const serviceUpstream = `127.0.0.1:${(port.server.address() as AddressInfo).port}`

  // The port without its /api routes at first: a module that registers the others.
  const dir = await mkdtemp(join(tmpdir(), 'parity-strangle-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const routes = join(SHOP_PORT, '..', 'routes')
  const partial = join(dir, 'partial.ts')
  await writeFile(partial, `import catalog from '${join(routes, 'catalog', 'index.ts')}'
import home from '${join(routes, 'index.ts')}'
export default async function partial (fastify) {
  await fastify.register(catalog, { prefix: '/catalog' })
  await fastify.register(home)
}
`)
  const configFor = async (serviceApp: string, listen: string): Promise<string> => {
    let config = ''
    t.equal(await parity(['strangle', '--flask-app', SHOP.app, '--flask-path', SHOP.path as string,
      '--service-app', serviceApp, '--flask-upstream', new URL(flaskUrl).host, '--service-upstream', serviceUpstream,
      '--listen', listen], (text) => { config += text }), 0)
    return config
  }
  let configFile = ''
  const nginx = await startNginx(t, [], async (nginxDir, nginxPort) => {
    const files = await writeConfigFiles(nginxDir, await configFor(partial, `127.0.0.1:${nginxPort}`))
    configFile = join(nginxDir, 'config.conf')
    return files
  })

  const sides = async (requests: Array<[string, string]>): Promise<Record<string, string | undefined>> =>
    Object.fromEntries(await Promise.all(requests.map(async ([method, path]) =>
      [`${method} ${path}`, (await ask(nginx.url, method, path)).by])))
  t.same(await sides([
    ['GET', '/'], ['GET', '/catalog/'], ['GET', '/catalog/1'], ['HEAD', '/catalog/1'], ['PUT', '/catalog/1'],
    ['OPTIONS', '/catalog/1'], ['GET', '/catalog/new'], ['GET', '/api/status'], ['POST', '/api/orders'],
    ['GET', '/nope']
  ]), {
    'GET /': 'service',
    'GET /catalog/': 'service',
    'GET /catalog/1': 'service',
    'HEAD /catalog/1': 'service',
    'PUT /catalog/1': 'flask',
    'OPTIONS /catalog/1': 'flask',
    'GET /catalog/new': 'flask',
    'GET /api/status': 'flask',
    'POST /api/orders': 'flask',
    'GET /nope': 'flask'
  }, 'the ported rules to the service (with the methods it serves), the rest to Flask')
  t.equal((await ask(nginx.url, 'GET', '/')).body, 'Welcome to  the shop\n', "the service's answer, as it gave it")

  // /api ported: regenerated and reloaded while requests keep coming.
  const load = { on: true, answers: [] as Array<Answer | Error> }
  const clients = Array.from({ length: 8 }, async (_, client) => {
    const paths = ['/', '/catalog/1', '/api/status', '/catalog/new']
    for (let n = client; load.on; n++) {
      load.answers.push(await ask(nginx.url, 'GET', paths[n % paths.length] as string).catch((error: Error) => error))
    }
  })
  await sleep(300)
  await writeFile(configFile, await configFor(SHOP_PORT, `127.0.0.1:${nginx.port}`))
  nginx.reload()
  for (const deadline = performance.now() + 20_000; (await ask(nginx.url, 'GET', '/api/status')).by !== 'service';) {
    if (performance.now() > deadline) throw new Error(`the reload did not take:\n${nginx.errorLog}`)
    await sleep(50)
  }
  await sleep(300)
  load.on = false
  await Promise.all(clients)
  const failed = load.answers.filter((answer) => answer instanceof Error || answer.status !== 200)
  t.same(failed, [], `none of ${load.answers.length} requests failed across the reload`)
  t.same(await sides([['GET', '/api/status'], ['POST', '/api/orders'], ['GET', '/catalog/new']]),
    { 'GET /api/status': 'service', 'POST /api/orders': 'service', 'GET /catalog/new': 'flask' }, '/api moved')
})
