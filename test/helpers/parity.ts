// The Flask apps npm run parity's tests take over: the shop (test/fixtures/flask-shop, with its partial port beside
// it) and the seed's own (bench/flask).
import { join } from 'node:path'
import type { FlaskApp } from '../../parity/flask.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const FIXTURES = join(ROOT, 'test', 'fixtures')
export const SHOP: FlaskApp = { app: 'shop:create_app()', path: join(FIXTURES, 'flask-shop') }
export const SHOP_PORT = join(FIXTURES, 'flask-shop', 'port', 'app.ts')
export const SEED: FlaskApp = { app: 'app', path: join(ROOT, 'bench', 'flask') }
