// The production build: TypeScript to dist/ with esbuild. typebox is bundled in (its 700 ES modules take 250 ms to
// load one by one, more than the rest of start-up); every other package is left to node_modules.
import { readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { build } from 'esbuild'

const sources = (dir) => readdirSync(dir).filter((file) => file.endsWith('.ts')).map((file) => `${dir}/${file}`)

await rm('dist', { recursive: true, force: true })
await build({
  entryPoints: ['src/server.ts', 'src/app.ts', ...sources('plugins'), ...sources('routes')],
  outbase: '.',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [{
    name: 'bundle-typebox-only',
    setup (build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path }) => path === 'typebox' || path.startsWith('typebox/') ? undefined : { external: true })
    }
  }]
})
