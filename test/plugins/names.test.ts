// Every plugin of the app is named after its file: that name is what other plugins' `dependencies` refer to.
import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import t from 'tap'

const PLUGINS = join(import.meta.dirname, '..', '..', 'plugins')

t.test('each plugin in plugins/ and plugins/app/ carries its file name as its fastify-plugin name', async (t) => {
  const files = [
    join(PLUGINS, 'config.ts'),
    join(PLUGINS, 'tracing.ts'),
    ...(await readdir(join(PLUGINS, 'app'))).map((file) => join(PLUGINS, 'app', file))
  ]
  t.ok(files.length >= 7, 'found the plugins')
  for (const file of files) {
    const { default: plugin } = await import(file)
    t.equal(plugin[Symbol.for('plugin-meta')]?.name, basename(file, '.ts'), file)
  }
})
