// npm run parity -- <verb>: the tool that takes a Flask app's routes over to this service. What it cannot do is one
// line on stderr and exit status 2.
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { ParityError } from './errors.ts'
import { flaskRules } from './flask.ts'
import { routesReport, routesTable } from './routes.ts'
import { scaffoldPlan, writePlan } from './scaffold.ts'
import { serviceRoutes, THIS_SERVICE } from './service.ts'

export const HELP = `npm run parity -- <verb> [options]: take a Flask app's routes over to this service

Verbs:
  routes     the Flask app's rules beside the service's routes: ported, partly (methods missing), missing, extra
  scaffold   a route module and its test, in routes/ and test/routes/, for each rule the service lacks: each
             answers 501 naming the Flask endpoint until it is ported; no file is overwritten

Options:
  --flask-app SPEC     the Flask app, as flask --app takes it: module, module:name, module:factory(), file.py
  --flask-path DIR     the folder the app is imported from, first on Python's path (default: the current one)
  --service-app FILE   a module whose default export is the Fastify app to compare (default: this service's)
  --into DIR           scaffold: the project to write into (default: this one)
  --dry-run            scaffold: list what would be written, and write nothing
  --json               print JSON rather than a table
  -h, --help           this

Environment:
  PYTHON               the Python to run the Flask app with (default: the first python3 that imports Flask)

Exit status: 0 done; 2 a usage error, or a Flask app or service that cannot be loaded (one line on stderr).`

const OPTIONS = {
  'flask-app': { type: 'string' },
  'flask-path': { type: 'string' },
  'service-app': { type: 'string' },
  into: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

const PROJECT = resolve(import.meta.dirname, '..')

/** Runs the command line `argv` (without node and the script), writing to `out`; resolves to the exit status. */
export async function parity (argv: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
  const [verb, ...rest] = positionals
  if (values.help === true || verb === undefined) {
    out(HELP)
    return verb === undefined && values.help !== true ? 2 : 0
  }
  if (rest.length > 0) throw new ParityError(`One verb at a time: ${positionals.join(' ')}`)
  if (!['routes', 'scaffold'].includes(verb)) throw new ParityError(`No verb ${verb}: routes or scaffold (--help)`)
  if (values['flask-app'] === undefined) throw new ParityError(`${verb} needs --flask-app (--help)`)
  const rules = flaskRules({
    app: values['flask-app'],
    path: resolve(values['flask-path'] ?? '.')
  })
  const report = routesReport(rules, await serviceRoutes(values['service-app'] ?? THIS_SERVICE))
  if (verb === 'routes') {
    out(values.json === true ? JSON.stringify(report, null, 2) : routesTable(report))
    return 0
  }
  const root = resolve(values.into ?? PROJECT)
  const missing = new Set(report.missing.map(({ rule }) => rule))
  const plan = scaffoldPlan(rules.filter(({ rule }) => missing.has(rule)), root, report.service)
  if (values['dry-run'] !== true) await writePlan(plan, root)
  const dryRun = values['dry-run'] === true
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
