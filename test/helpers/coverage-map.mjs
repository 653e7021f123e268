// tap's coverage map: the harness test runs the built service as a benchmark, not as a test of it, and the npm start
// test runs the build too; both count for no coverage, because the build's source maps lay its coverage over the
// sources at other places than the sources' own (a method from its modifier in one, from its name in the other), so
// that one function would count as two, one of them never run. The parity test runs a copy of the project, whose
// files are not these. Every other test counts for all files.
const NO_COVERAGE = ['bench.test.ts', 'npm-start.test.ts', 'system/parity.test.ts']
export default (testFile) => (NO_COVERAGE.some((name) => testFile.endsWith(name)) ? null : [])
