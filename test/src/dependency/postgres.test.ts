// The dependency as PostgreSQL, against a real server: queries answered, the pool's bound and its queue, calls given up
// that stop their query on the server (pg_stat_activity), statement_timeout as the second guard, and a server that
// stops, restarts and comes back.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { inspect } from 'node:util'
import t, { type Test } from 'tap'
import { Cancellation } from '../../../src/http/cancellation.ts'
import { PostgresDependency, type PostgresDependencyOptions } from '../../../src/dependency/postgres.ts'
import { postgresServer, serviceQueries, type PostgresServer } from '../../helpers/postgres-server.ts'
import { rejection, within } from '../../helpers/settled.ts'
import { until } from '../../helpers/upstream.ts'

// Each test starts a PostgreSQL (a second or two) and some wait on queries of several seconds.
t.setTimeout(180_000)

function client (t: Test, options: Partial<PostgresDependencyOptions> & { url: string }): PostgresDependency {
  const dependency = new PostgresDependency({ poolSize: 10, queueTimeoutMs: 0, ...options })
  t.teardown(async () => {
    dependency.cancelAll(new Error('the test ended'))
    await dependency.close()
  })
  return dependency
}

/** The service's connections to PostgreSQL, from the server's side. */
function backends (postgres: PostgresServer): number {
  return Number(postgres.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'async-service'")[0])
}

t.test('a call is SELECT pg_sleep of its latency on a connection of the pool, which stays open for the next',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url })
    const started = performance.now()
    const call = dependency.call({ latencyMs: 300 })
    t.equal(dependency.inFlight, 1)
    await until(() => serviceQueries(postgres) === 1)
    t.same(postgres.query("SELECT query FROM pg_stat_activity WHERE application_name = 'async-service'"),
      ['SET statement_timeout = 5300; SELECT pg_sleep(0.300)'], 'under a statement_timeout 5 s past its latency')
    const { latencyMs } = await call
    t.ok(latencyMs >= 295 && performance.now() - started >= 295,
      `answered after its latency (${Math.round(latencyMs)} ms)`)
    t.equal(dependency.inFlight, 0)
    t.equal(dependency.idle, 1, 'its connection kept, idle')
    t.equal(dependency.reachable, true)
  })

t.test('at most DEPENDENCY_POOL_SIZE connections; a call that finds none free in time is refused', async (t) => {
  const postgres = await postgresServer(t)
  const dependency = client(t, { url: postgres.url, poolSize: 2, queueTimeoutMs: 200 })
  const holding = [dependency.call({ latencyMs: 5000 }), dependency.call({ latencyMs: 5000 })]
  const refused = dependency.call({ latencyMs: 1 })
  t.equal(dependency.queued, 1)
  t.match(await rejection(refused),
    { name: 'DependencyError', failure: 'rejected', message: 'no connection to the dependency was free within 200 ms' })
  await until(() => serviceQueries(postgres) === 2, 10_000)
  t.equal(backends(postgres), 2, 'two connections on the server')
  await Promise.all(holding)
  t.equal(serviceQueries(postgres), 0)
})

t.test('a call given up mid-query is answered at once and its query cancelled on the server; its connection closed',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url, poolSize: 1 })
    const cancellation = new Cancellation()
    const reason = new Error('the client left')
    const call = dependency.call({ latencyMs: 30_000 }, cancellation)
    await until(() => serviceQueries(postgres) === 1)
    const [pid] = postgres.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'async-service'")
    cancellation.cancel(reason)
    t.equal(await within(100, rejection(call)), reason, 'rejects with the cancellation\'s reason, without waiting')
    const gone = await until(() => serviceQueries(postgres) === 0, 10_000)
    t.pass(`the query stopped on the server (${Math.round(gone)} ms)`)
    await until(() => dependency.inFlight === 0)
    await dependency.call({ latencyMs: 1 })
    const [next] = postgres.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'async-service'")
    t.not(next, pid, 'the next call had a new connection: a late cancel cannot hit it')
  })

t.test('a call cancelled before it is sent, or while it connects, sends nothing', async (t) => {
  const postgres = await postgresServer(t)
  const dependency = client(t, { url: postgres.url })
  const cancelled = new Cancellation()
  const reason = new Error('already gone')
  cancelled.cancel(reason)
  t.equal(await rejection(dependency.call({ latencyMs: 5000 }, cancelled)), reason)
  const connecting = new Cancellation()
  const call = dependency.call({ latencyMs: 5000 }, connecting)
  connecting.cancel(reason)
  t.equal(await rejection(call), reason)
  await until(() => dependency.inFlight === 0)
  t.equal(serviceQueries(postgres), 0, 'no query ran')
  t.equal(dependency.idle, 1, 'the connection made meanwhile went back to the pool')
})

t.test('a call whose deadline passes unnoticed is stopped by PostgreSQL itself: statement_timeout', async (t) => {
  const postgres = await postgresServer(t)
  const dependency = client(t, { url: postgres.url })
  // A deadline 300 ms away that nothing enforces: the service's own cancel never comes.
  const error = await rejection(dependency.call({ latencyMs: 10_000 }, new Cancellation(performance.now() + 300)))
  t.match(error, {
    name: 'DependencyError',
    failure: 'timed_out',
    message: /^the query ran past its statement_timeout of \d+ ms$/
  })
  t.equal(serviceQueries(postgres), 0)
  t.equal(dependency.idle, 1, 'its connection, clean, kept')
})

t.test('cancelAll gives up every call, running or waiting, and stops their queries on the server', async (t) => {
  const postgres = await postgresServer(t)
  const dependency = client(t, { url: postgres.url, poolSize: 2 })
  const calls = [1, 2, 3].map(() => rejection(dependency.call({ latencyMs: 30_000 })))
  await until(() => serviceQueries(postgres) === 2)
  const reason = new Error('stopping')
  dependency.cancelAll(reason)
  t.same(await within(100, Promise.all(calls)), [reason, reason, reason])
  await until(() => serviceQueries(postgres) === 0, 10_000)
  await until(() => dependency.inFlight === 0)
  t.equal(dependency.queued, 0)
})

t.test('a server that stops fails calls fast, and once it is back the pool reconnects by itself', async (t) => {
  const postgres = await postgresServer(t)
  const lost: Error[] = []
  const dependency = client(t, { url: postgres.url, onConnectionLost: (error) => lost.push(error) })
  await dependency.call({ latencyMs: 1 })
  await postgres.stop()
  await until(() => lost.length === 1)
  t.match(lost[0], { message: /terminating connection due to administrator command/ }, 'the idle connection told')
  t.equal(dependency.reachable, false)
  t.match(await rejection(dependency.call({ latencyMs: 1 })),
    { name: 'DependencyError', failure: 'failed', message: /^PostgreSQL cannot be reached: .*ECONNREFUSED/ },
    'refused, not waited for')
  await postgres.start()
  await t.resolves(dependency.call({ latencyMs: 1 }))
  t.equal(dependency.reachable, true)
})

t.test('a query cut off by the server stopping fails, and its connection is not reused', async (t) => {
  const postgres = await postgresServer(t)
  const dependency = client(t, { url: postgres.url })
  const call = rejection(dependency.call({ latencyMs: 30_000 }))
  await until(() => serviceQueries(postgres) === 1)
  await postgres.stop()
  t.match(await call, { name: 'DependencyError', failure: 'failed', message: /^the query failed: / })
  t.equal(dependency.idle, 0)
  t.equal(dependency.reachable, false, 'a connection lost mid-query says the server may be down')
  await postgres.start()
  await t.resolves(dependency.call({ latencyMs: 1 }))
})

t.test('a wrong password fails the call, and neither the error nor its cause holds the password', async (t) => {
  const postgres = await postgresServer(t)
  postgres.query("CREATE ROLE app LOGIN PASSWORD 'right-pw-5731'")
  const url = postgres.url.replace('postgres@', 'app:wrong-pw-5731@')
  const dependency = client(t, { url })
  const error = await rejection(dependency.call({ latencyMs: 1 })) as Error
  t.match(error, { failure: 'failed', message: /password authentication failed for user "app"/ })
  t.notMatch(inspect(error, { depth: 10 }), /pw-5731/, 'nothing a log line could print')
  t.equal(dependency.reachable, false)
})

/** The service's backend running its query, and the postmaster its parent, by process id (Linux's /proc). */
function processes (postgres: PostgresServer): { backend: number, postmaster: number } {
  const backend = Number(postgres.query(
    "SELECT pid FROM pg_stat_activity WHERE application_name = 'async-service' AND state = 'active'")[0])
  // The fields after the command's name in parentheses: its state, then its parent's id.
  const [, , parent] = readFileSync(`/proc/${backend}/stat`, 'utf8').replace(/^.*\) /, ') ').split(' ')
  return { backend, postmaster: Number(parent) }
}

/**
 * Stops `pid` (SIGSTOP) until the function given back resumes it, or the test ends; a process of its own resumes it a
 * minute later in any case, should the test process die meanwhile.
 */
function frozen (t: Test, pid: number): () => void {
  spawn('sh', ['-c', `sleep 60; kill -CONT ${pid} 2>/dev/null`], { detached: true, stdio: 'ignore' }).unref()
  process.kill(pid, 'SIGSTOP')
  let stopped = true
  const resume = (): void => {
    if (stopped) process.kill(pid, 'SIGCONT')
    stopped = false
  }
  t.teardown(resume)
  return resume
}

t.test('a query PostgreSQL never answers (its backend hung) is given up, cancelled, and its connection closed',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url })
    // statement_timeout 4 s: the deadline 3 s away, and its margin; time enough to stop the backend before.
    const call = rejection(dependency.call({ latencyMs: 30_000 }, new Cancellation(performance.now() + 3000)))
    await until(() => serviceQueries(postgres) === 1)
    const resume = frozen(t, processes(postgres).backend)
    t.match(await call, {
      name: 'DependencyError',
      failure: 'timed_out',
      message: /^PostgreSQL did not answer within \d+ ms$/
    }, 'given up a second past its statement_timeout, which a hung backend cannot apply')
    dependency.cancelAll(new Error('given up already: nothing more happens'))
    t.equal(dependency.inFlight, 1, 'its slot held while the cancel is given its chance')
    await until(() => dependency.inFlight === 0, 10_000)
    t.equal(dependency.idle, 0, 'its connection closed, not kept')
    resume()
    await t.resolves(dependency.call({ latencyMs: 1 }), 'the next call on a new connection')
  })

t.test('a query that ends before its cancel lands (the postmaster slow to take it) still has its connection closed',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url })
    const cancellation = new Cancellation()
    const call = rejection(dependency.call({ latencyMs: 3000 }, cancellation))
    await until(() => serviceQueries(postgres) === 1)
    const { backend, postmaster } = processes(postgres)
    const resume = frozen(t, postmaster)
    const reason = new Error('the client left')
    cancellation.cancel(reason)
    t.equal(await call, reason)
    await until(() => dependency.inFlight === 0, 10_000)
    t.equal(dependency.idle, 0, 'closed, though its query ended well: a cancel sent may still land')
    resume()
    await dependency.call({ latencyMs: 1 })
    t.notSame(postgres.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'async-service'"),
      [String(backend)], 'the next call had another backend')
  })

t.test('a query whose backend is terminated fails; a call waiting for the pool gets a new connection, not that one',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url, poolSize: 1 })
    const running = rejection(dependency.call({ latencyMs: 30_000 }))
    const waiting = dependency.call({ latencyMs: 1 })
    await until(() => serviceQueries(postgres) === 1)
    postgres.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'async-service'")
    t.match(await running, { failure: 'failed', message: /terminating connection due to administrator command/ })
    await t.resolves(waiting)
  })

t.test('a query someone else cancels (pg_cancel_backend) failed; it did not run past its statement_timeout',
  async (t) => {
    const postgres = await postgresServer(t)
    const dependency = client(t, { url: postgres.url })
    const running = rejection(dependency.call({ latencyMs: 30_000 }))
    await until(() => serviceQueries(postgres) === 1)
    postgres.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'async-service'")
    t.match(await running, {
      name: 'DependencyError',
      failure: 'failed',
      message: 'the query failed: canceling statement due to user request'
    })
  })

t.test('a backend killed mid-query (PostgreSQL then restarts its backends) fails the call, and nothing else',
  async (t) => {
    const postgres = await postgresServer(t)
    const lost: Error[] = []
    const dependency = client(t, { url: postgres.url, onConnectionLost: (error) => lost.push(error) })
    const running = rejection(dependency.call({ latencyMs: 30_000 }))
    await until(() => serviceQueries(postgres) === 1)
    process.kill(processes(postgres).backend, 'SIGKILL')
    t.match(await running, { name: 'DependencyError', failure: 'failed', message: /^the query failed: / })
    await until(() => lost.length === 1)
    t.equal(dependency.reachable, false, 'told once, as a connection lost')
    // PostgreSQL refuses connections while it recovers: the calls fail until it is back.
    const back = async (): Promise<void> => {
      for (const until = performance.now() + 30_000; performance.now() < until;) {
        if (await dependency.call({ latencyMs: 1 }).then(() => true, () => false)) return
        await sleep(100)
      }
    }
    await back()
    t.equal(dependency.reachable, true)
    t.equal(lost.length, 1)
  })

t.test('its span names the database, as tracing\'s conventions for databases say', async (t) => {
  const dependency = client(t, { url: 'postgres://app:secret@db.internal:6543/orders' })
  t.same(dependency.span, {
    name: 'SELECT orders',
    attributes: {
      'db.system': 'postgresql',
      'db.operation': 'SELECT',
      'db.namespace': 'orders',
      'server.address': 'db.internal',
      'server.port': 6543
    }
  })
  const db = { 'db.system': 'postgresql', 'db.operation': 'SELECT' }
  t.same(client(t, { url: 'postgres://db.internal' }).span,
    { name: 'SELECT', attributes: { ...db, 'server.address': 'db.internal', 'server.port': 5432 } },
    'no database named: the server\'s default, and PostgreSQL\'s port')
  t.same(client(t, { url: 'postgres:///orders?host=/run/postgresql' }).span,
    { name: 'SELECT orders', attributes: { ...db, 'db.namespace': 'orders', 'server.port': 5432 } },
    'a Unix socket: no address')
})
