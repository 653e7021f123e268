// ESLint: neostandard (the Fastify organisation's style) with its TypeScript rules, and lines of at most 120 columns.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true }),
  {
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }]
    }
  }
]
