// A Fastify app's routes from its own route table: this service's by default, another app's module when given, each
// URL with every method the router serves there (a prefixed '/' route's twin with a trailing slash included).
import { join } from 'node:path'
import t from 'tap'
import { serviceRoutes } from '../../parity/service.ts'
import { FIXTURES, SHOP_PORT } from '../helpers/parity.ts'

t.test("this service's routes: the seed's, and its own", async (t) => {
  const routes = await serviceRoutes()
  for (const route of [
    { url: '/', methods: ['GET', 'HEAD'] },
    { url: '/sync', methods: ['GET', 'HEAD'] },
    { url: '/wait', methods: ['GET', 'HEAD'] },
    { url: '/tasks', methods: ['POST'] },
    { url: '/tasks/:id', methods: ['GET', 'HEAD'] }
  ]) t.same(routes.find(({ url }) => url === route.url), route, route.url)
})

t.test("another app's: the shop's partial port, the catalog's list with and without its trailing slash", async (t) => {
  const routes = await serviceRoutes(SHOP_PORT)
  t.same(routes.sort((a, b) => a.url.localeCompare(b.url)), [
    { url: '/', methods: ['GET', 'HEAD'] },
    { url: '/api/orders', methods: ['POST'] },
    { url: '/api/status', methods: ['GET', 'HEAD'] },
    { url: '/catalog', methods: ['GET', 'HEAD'] },
    { url: '/catalog/', methods: ['GET', 'HEAD'] },
    { url: '/catalog/:itemId(^\\d+$)', methods: ['GET', 'HEAD'] },
    { url: '/healthz', methods: ['GET', 'HEAD'] }
  ])
})

t.test('a module that cannot be loaded, or has no plugin, is said in one line', async (t) => {
  await t.rejects(serviceRoutes(join(FIXTURES, 'parity', 'nowhere.ts')),
    { name: 'ParityError', message: /^Cannot load the service's app .*nowhere\.ts: Cannot find module / })
  const notAPlugin = join(FIXTURES, 'parity', 'not-a-plugin.ts')
  await t.rejects(serviceRoutes(notAPlugin),
    { name: 'ParityError', message: `${notAPlugin} has no default export that is a Fastify plugin` })
  await t.rejects(serviceRoutes(undefined, { PORT: 'eighty' }), {
    name: 'ParityError',
    message: "Cannot build the service's app: PORT must be an integer from 0 to 65535 (got \"eighty\")"
  })
})
