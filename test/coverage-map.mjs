// tap's coverage map: the harness test runs the built service as a benchmark, not as a test of it, and the build test
// runs a build of a copy of the project (its coverage is the copy's, which merged into the sources' miscounted their
// class fields), so both count for no coverage; every other test counts for all files.
export default (testFile) => (testFile.endsWith('bench.test.ts') || testFile.endsWith('build.test.ts') ? null : [])
