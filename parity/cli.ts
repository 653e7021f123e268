// npm run parity -- <verb>: the tool that takes a Flask app's routes over to this service. What it cannot do is one
// line on stderr and exit status 2.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readRules } from './compare.ts'
import { compareAll } from './compare-all.ts'
import { ParityError } from './errors.ts'
import { flaskRules, type FlaskRule } from './flask.ts'
import { matchRoutes } from './match.ts'
import { fileProbes, logProbes, sendable, tableProbes, unique } from './probes.ts'
import { compareTable, htmlReport, summary } from './report.ts'
import { routesReport, routesTable } from './routes.ts'
import { scaffoldPlan, writePlan } from './scaffold.ts'
import { serviceRoutes } from './service.ts'
import { strangleConfig } from './strangle.ts'

export const HELP = `npm run parity -- <verb> [options]: take a Flask app's routes over to this service

Verbs:
  routes     the Flask app's rules beside the service's routes: ported, partly (methods missing), missing, extra
  scaffold   a route module and its test, in routes/ and test/routes/, for each rule the service lacks: each
             answers 501 naming the Flask endpoint until it is ported; no file is overwritten
  compare    the same requests to the running Flask app and the running service, their answers compared: status,
             the headers that carry meaning, the body, the time; exit status 1 for a difference neither learnt
             as noise (Flask asked twice) nor explained by --ignore's rules
  strangle   an nginx configuration that sends the ported routes to the service and every other request to the
             Flask app, with X-Served-By naming the side; regenerate it and reload nginx as routes are ported

Options:
  --flask-app SPEC     the Flask app, as flask --app takes it: module, module:name, module:factory(), file.py
  --flask-path DIR     the folder the app is imported from, first on Python's path (default: the current one)
  --service-app FILE   routes, scaffold, strangle: a module whose default export is the Fastify app whose routes
                       count as ported (default: this service's)
  --into DIR           scaffold: the project to write into (default: this one); what is missing is asked of
                       --service-app
  --dry-run            scaffold: list what would be written, and write nothing
  --flask-url URL      compare: where the Flask app answers
  --service-url URL    compare: where the service answers
  --requests FILE      compare: requests to send besides the route table's: a HAR file, or a JSON list of
                       { "method", "path", "headers", "body" }
  --access-log FILE    compare: requests replayed from an access log, nginx's combined format or Werkzeug's
  --ignore FILE        compare: rules for deliberate differences, { "rules": [{ "reason", "method", "path",
                       "status", "fields", "jsonPaths", "bodyPatterns" }] }
  --allow-writes       compare: send other methods than GET, HEAD, OPTIONS and TRACE too
  --normalise-whitespace  compare: text bodies compared with their runs of whitespace as one space
  --time-tolerance-ms N   compare: how much slower than Flask's the service's answer may be (default: 150)
  --report FILE        compare: a self-contained HTML page with each request's two answers side by side
  --flask-upstream HOST:PORT    strangle: where nginx reaches the Flask app
  --service-upstream HOST:PORT  strangle: where nginx reaches the service
  --listen ADDRESS     strangle: what nginx listens on, a port or address:port (default: 80)
  --out FILE           strangle: the file to write (default: the standard output)
  --json               print JSON rather than a table
  -h, --help           this

Environment:
  PYTHON               the Python to run the Flask app with (default: the first python3 that imports Flask)

Exit status: 0 done (compare: no unexplained difference); 1 compare found one; 2 a usage error, or something that
cannot be loaded or reached (one line on stderr).`

const OPTIONS = {
  'flask-app': { type: 'string' },
  'flask-path': { type: 'string' },
  'service-app': { type: 'string' },
  into: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'flask-url': { type: 'string' },
  'service-url': { type: 'string' },
  requests: { type: 'string' },
  'access-log': { type: 'string' },
  ignore: { type: 'string' },
  'allow-writes': { type: 'boolean' },
  'normalise-whitespace': { type: 'boolean' },
  'time-tolerance-ms': { type: 'string' },
  report: { type: 'string' },
  'flask-upstream': { type: 'string' },
  'service-upstream': { type: 'string' },
  listen: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

const PROJECT = resolve(import.meta.dirname, '..')

/** The Flask app's rules, from --flask-app and --flask-path. */
function rulesOf (values: Values, verb: string): FlaskRule[] {
  if (values['flask-app'] === undefined) throw new ParityError(`${verb} needs --flask-app (--help)`)
  return flaskRules({ app: values['flask-app'], path: resolve(values['flask-path'] ?? '.') })
}

async function routes (values: Values, out: Output): Promise<number> {
  const report = routesReport(rulesOf(values, 'routes'), await serviceRoutes(values['service-app']))
  out(values.json === true ? JSON.stringify(report, null, 2) : routesTable(report))
  return 0
}

async function scaffold (values: Values, out: Output): Promise<number> {
  const rules = rulesOf(values, 'scaffold')
  const report = routesReport(rules, await serviceRoutes(values['service-app']))
  const root = resolve(values.into ?? PROJECT)
  const missing = new Set(report.missing.map(({ rule }) => rule))
  const plan = scaffoldPlan(rules.filter(({ rule }) => missing.has(rule)), root, report.service)
  const dryRun = values['dry-run'] === true
  if (!dryRun) await writePlan(plan, root)
  if (values.json === true) {
    out(JSON.stringify({ dryRun, files: plan.files.map(({ path }) => path), left: plan.left }, null, 2))
  } else {
    out([
      ...plan.files.map(({ path }) => `${dryRun ? 'would write' : 'wrote'} ${path}`),
      ...plan.left.map(({ rule, reason }) => `left ${rule}: ${reason}`)
    ].join('\n') || 'nothing to scaffold: every rule has its route')
  }
  return 0
}

/** A file's text, or a refusal naming it. */
async function read (path: string): Promise<string> {
  return await readFile(path, 'utf8').catch((error: Error) => {
    throw new ParityError(`Cannot read ${path}: ${error.message}`)
  })
}

/** Writes `text` to `path`, or refuses naming it. */
async function save (path: string, text: string): Promise<void> {
  await writeFile(path, text).catch((error: Error) => {
    throw new ParityError(`Cannot write ${path}: ${error.message}`)
  })
}

async function compare (values: Values, out: Output): Promise<number> {
  const { 'flask-url': flaskUrl, 'service-url': serviceUrl } = values
  if (flaskUrl === undefined || serviceUrl === undefined) {
    throw new ParityError('compare needs --flask-url and --service-url (--help)')
  }
  const sources = [values['flask-app'], values.requests, values['access-log']]
  if (sources.every((source) => source === undefined)) {
    throw new ParityError('compare needs requests: --flask-app (its route table), --requests or --access-log (--help)')
  }
  const tolerance = Number(values['time-tolerance-ms'] ?? 150)
  if (!Number.isInteger(tolerance) || tolerance < 0) {
    throw new ParityError(`--time-tolerance-ms takes a whole number of ms (got "${values['time-tolerance-ms']}")`)
  }
  // A request in more than one source is sent once.
  const probes = unique([
    ...values['flask-app'] === undefined ? [] : tableProbes(rulesOf(values, 'compare')),
    ...values.requests === undefined ? [] : fileProbes(await read(values.requests), values.requests),
    ...values['access-log'] === undefined ? [] : logProbes(await read(values['access-log']))
  ])
  const rules = values.ignore === undefined ? [] : readRules(await read(values.ignore), values.ignore)
  const { probes: sent, heldBack } = sendable(probes, values['allow-writes'] === true)
  const comparisons = await compareAll(sent, flaskUrl, serviceUrl, {
    rules,
    normaliseWhitespace: values['normalise-whitespace'] === true,
    timeToleranceMs: tolerance
  })
  if (values.report !== undefined) await save(values.report, htmlReport(comparisons, heldBack))
  const counts = summary(comparisons, heldBack)
  out(values.json === true
    ? JSON.stringify({ summary: counts, comparisons }, null, 2)
    : compareTable(comparisons, heldBack))
  return counts.differing === 0 ? 0 : 1
}

async function strangle (values: Values, out: Output): Promise<number> {
  const { 'flask-upstream': flaskUpstream, 'service-upstream': serviceUpstream } = values
  if (flaskUpstream === undefined || serviceUpstream === undefined) {
    throw new ParityError('strangle needs --flask-upstream and --service-upstream (--help)')
  }
  const rules = rulesOf(values, 'strangle')
  const match = matchRoutes(rules, await serviceRoutes(values['service-app']))
  const config = strangleConfig(rules, match, { flaskUpstream, serviceUpstream, listen: values.listen ?? '80' })
  if (values.out === undefined) out(config)
  else await save(values.out, config)
  return 0
}

type Output = (text: string) => void

const VERBS: Record<string, ((values: Values, out: Output) => Promise<number>) | undefined> =
  { routes, scaffold, compare, strangle }

/** Runs the command line `argv` (without node and the script), writing to `out`; resolves to the exit status. */
export async function parity (argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
  const [verb, ...rest] = positionals
  if (values.help === true || verb === undefined) {
    out(HELP)
    return verb === undefined && values.help !== true ? 2 : 0
  }
  if (rest.length > 0) throw new ParityError(`One verb at a time: ${positionals.join(' ')}`)
  const run = VERBS[verb]
  if (run === undefined) throw new ParityError(`No verb ${verb}: ${Object.keys(VERBS).join(', ')} (--help)`)
  return await run(values, out)
}

/** The command line's run: usage errors and refusals as one line on stderr, exit status 2. */
export async function main (argv: string[]): Promise<number> {
  try {
    return await parity(argv, (text) => { process.stdout.write(text + '\n') })
  } catch (error) {
    const known = error instanceof ParityError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    if (!known) throw error
    process.stderr.write(`${(error as Error).message}\n`)
    return 2
  }
}
