// Config: defaults, conversion from strings, and one clear problem per invalid variable.
import t from 'tap'
import { loadConfig } from '../../src/config.js'

t.test('with no variables every default applies', async (t) => {
  t.same(loadConfig({}), {
    ok: true,
    config: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: 3000,
      LOG_LEVEL: 'info',
      ROOT_DELAY_MS: 1000,
      WAIT_DELAY_MS: 2000,
      MAX_WAIT_SECONDS: 60,
      REQUEST_TIMEOUT_MS: 10_000,
      KEEP_ALIVE_TIMEOUT_MS: 72_000,
      SHUTDOWN_TIMEOUT_MS: 10_000
    }
  })
})

t.test('strings are converted, empty values count as unset, unknown variables are ignored', async (t) => {
  const result = loadConfig({ PORT: '0', HOST: '', MAX_WAIT_SECONDS: '2.5', LOG_LEVEL: 'silent', PATH: '/bin', NODE_ENV: 'test' })
  t.match(result, { ok: true, config: { PORT: 0, HOST: '127.0.0.1', MAX_WAIT_SECONDS: 2.5, LOG_LEVEL: 'silent', NODE_ENV: 'test' } })
  t.notOk('PATH' in (result.ok ? result.config : {}))
})

t.test('each invalid variable is refused with its name, what it must be and what it was', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['PORT', 'abc', 'PORT must be an integer from 0 to 65535 (got "abc")'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535 (got "65536")'],
    ['PORT', '80.5', 'PORT must be an integer from 0 to 65535 (got "80.5")'],
    ['PORT', '0x10', 'PORT must be an integer from 0 to 65535 (got "0x10")'],
    ['PORT', ' 80', 'PORT must be an integer from 0 to 65535 (got " 80")'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    ['NODE_ENV', 'staging', 'NODE_ENV must be one of production, development, test (got "staging")'],
    ['ROOT_DELAY_MS', '-1', 'ROOT_DELAY_MS must be an integer from 0 to 3600000 (got "-1")'],
    ['WAIT_DELAY_MS', 'soon', 'WAIT_DELAY_MS must be an integer from 0 to 3600000 (got "soon")'],
    ['MAX_WAIT_SECONDS', 'Infinity', 'MAX_WAIT_SECONDS must be a number from 0 to 3600 (got "Infinity")'],
    ['REQUEST_TIMEOUT_MS', '-5', 'REQUEST_TIMEOUT_MS must be an integer of at least 0 (got "-5")'],
    ['KEEP_ALIVE_TIMEOUT_MS', '1s', 'KEEP_ALIVE_TIMEOUT_MS must be an integer of at least 0 (got "1s")'],
    ['SHUTDOWN_TIMEOUT_MS', 'x', 'SHUTDOWN_TIMEOUT_MS must be an integer of at least 0 (got "x")']
  ]
  for (const [name, value, problem] of cases) {
    t.same(loadConfig({ [name]: value }), { ok: false, problems: [problem] }, `${name}=${value}`)
  }
})

t.test('several invalid variables give one line each, in the schema\'s order', async (t) => {
  const result = loadConfig({ LOG_LEVEL: 'loud', PORT: 'abc', HOST: 'ok' })
  t.same(result, {
    ok: false,
    problems: [
      'PORT must be an integer from 0 to 65535 (got "abc")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'
    ]
  })
})
