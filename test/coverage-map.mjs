// tap's coverage map: the harness test runs the built service as a benchmark, not as a test of it, so it counts for
// no coverage; every other test counts for all files.
export default (testFile) => (testFile.endsWith('bench.test.ts') ? null : [])
