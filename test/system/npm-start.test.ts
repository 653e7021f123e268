// npm start as a user runs it in a terminal: it builds when the sources changed, then runs the build, which Ctrl-C
// stops gracefully. It runs the build, not the sources, so it counts for no coverage (test/coverage-map.mjs).
import t from 'tap'
import { listening, npmStart, requestInFlight, signalGroup } from '../helpers/server-process.ts'

// npm start builds first when the sources changed: room for a busy machine.
t.setTimeout(240_000)

t.test(
  'Ctrl-C on npm start (SIGINT to the whole process group) answers the request in flight and exits 0',
  async (t) => {
    const server = npmStart(t, {})
    const { answer } = await requestInFlight(server, 1)
    signalGroup(server.child, 'SIGINT')
    t.same(await answer, { status: 200, body: 'Waited 1 seconds!' })
    t.equal(await server.exit, 0)
    t.notMatch(server.stderr, /second|exiting/)
  }
)

t.test(
  'Ctrl-C on an idle npm start ends the serving once nothing has come for the quiet time, not after the delay',
  async (t) => {
    const server = npmStart(t, { SHUTDOWN_DELAY_MS: '600000' })
    await listening(server)
    signalGroup(server.child, 'SIGINT')
    t.equal(await server.exit, 0, 'exits 0, well within the ten-minute delay')
    // The log's JSON lines: npm start may print the build's own before them.
    const lines = server.stdout.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    t.match(lines.find((entry) => entry.msg === 'serving ended'), { ended: 'quiet' })
    t.match(lines.at(-1), { msg: 'stopped', durationMs: Number }, 'the last line says it stopped, and how long it took')
  }
)
