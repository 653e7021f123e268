// tap's coverage map: the harness test runs the built service as a benchmark, not as a test of it, and the npm start
// test runs the build too; both count for no coverage, because the build's source maps lay its coverage over the
// sources at other places than the sources' own (a method from its modifier in one, from its name in the other), so
// that one function would count as two, one of them never run. Every other test counts for all files.
export default (testFile) => (testFile.endsWith('bench.test.ts') || testFile.endsWith('npm-start.test.ts') ? null : [])
