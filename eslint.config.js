// ESLint: neostandard (the Fastify organisation's style) with its TypeScript rules, and lines of at most 120 columns.
import neostandard, { plugins, resolveIgnoresFromGitignore } from 'neostandard'
import globals from 'globals'

export default [
  { ignores: [...resolveIgnoresFromGitignore(), 'dist/', 'coverage/', 'bench/results/'] },
  ...neostandard({ ts: true }),
  { files: ['public/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    plugins: { '@stylistic': plugins['@stylistic'] },
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // `void promise`: a promise deliberately left to run, its failures handled where it is made.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    // A typebox schema and its Static type share a name, as TypeBox's own examples do.
    files: ['src/**/schemas.ts'],
    rules: { '@typescript-eslint/no-redeclare': 'off' }
  }
]
