// StrykerJS for npm run test:mutation: mutates the application and runs, for each mutant, the test files that cover it.
// Test files run on Node's own type stripping with tap's mock loader. The tests
// that start the service as a process of its own (test/system/) are left out: Stryker sees coverage only in the
// test's own process, so it would never pick them for a mutant, and its hook, which child processes inherit, exits on
// SIGINT, SIGTERM and SIGHUP. For the same reason src/server.ts, which only those tests run, is not mutated; its
// behaviour is checked by them. The browser test (a Chromium per mutant) is left out too: the page is not mutated.
// (The build test runs the app from a copy of the mutated sources, in its own process.)
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    testFiles: [
      'test/src/**/*.test.ts',
      'test/plugins/**/*.test.ts',
      'test/routes/**/*.test.ts',
      'test/system/build.test.ts',
      'test/config/*.test.ts'
    ],
    nodeArgs: ['--import', '@tapjs/mock/import']
  },
  mutate: ['src/**/*.ts', '!src/server.ts', 'plugins/**/*.ts', 'routes/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Results are kept, so that the next run tests only the mutants of code or tests that changed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['dist', 'bench/results', 'reports', 'coverage', '.tap'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
}
