// A Flask app's URL rules, read by the Python helper beside this file (flask_rules.py) run with PYTHON, or with the
// first python3 that imports Flask.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ParityError } from './errors.ts'

const HELPER = join(import.meta.dirname, 'flask_rules.py')

/** A variable in a rule, as Werkzeug writes it: `<converter(arguments):name>`, the converter optional. */
const RULE_VARIABLE = /<(?:(?<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\(.*?\))?:)?(?<name>[a-zA-Z_][a-zA-Z0-9_]*)>/g

/** The variable of `rule` a match of RULE_VARIABLE (in rewriteRule) names. */
export function variableOf (rule: FlaskRule, match: RegExpMatchArray): FlaskVariable {
  return rule.arguments.find(({ name }) => name === match.groups?.name) as FlaskVariable
}

/** `rule` written a part at a time: its text between variables through `text`, each variable through `variable`. */
export function rewriteRule (
  rule: string,
  text: (part: string) => string,
  variable: (match: RegExpMatchArray) => string
): string {
  let written = ''
  let last = 0
  for (const match of rule.matchAll(RULE_VARIABLE)) {
    written += text(rule.slice(last, match.index)) + variable(match)
    last = match.index + match[0].length
  }
  return written + text(rule.slice(last))
}

/** A variable of a rule: `<int(min=1):id>` is { name: 'id', converter: 'int', kwargs: { min: 1 } }. */
export interface FlaskVariable {
  name: string
  /** `default` for a variable without one (`<name>`), which Werkzeug reads as `string`. */
  converter: string
  /** Whether the converter is Werkzeug's own of that name, not one the app registered. */
  builtin: boolean
  args: unknown[]
  kwargs: Record<string, unknown>
  /** The pattern the converter matches, as Werkzeug has it. */
  regex: string
}

export interface FlaskRule {
  rule: string
  /** As Flask has them, HEAD and OPTIONS included. */
  methods: string[]
  endpoint: string
  /** Flask answers OPTIONS itself (the view did not ask otherwise). */
  automaticOptions: boolean
  strictSlashes: boolean
  redirectTo: string | null
  /** The rule serves the app's (or a blueprint's) static folder. */
  static: boolean
  /** The subdomain, or the host (with host_matching), the rule is for; null for any. */
  subdomain: string | null
  host: string | null
  arguments: FlaskVariable[]
}

export interface FlaskApp {
  /** What Flask's CLI takes as --app: `module`, `module:name`, `module:factory()`, or `file.py`. */
  app: string
  /** Put first on Python's path, and the folder the helper runs in. */
  path?: string
  /** The Python to run; else PYTHON, else the first python3 that imports Flask. */
  python?: string
  /** How long it may take to load, in ms (a minute by default). */
  loadTimeoutMs?: number
}

const CANDIDATES = ['python3', '/usr/bin/python3']
/** How long an app may take to load by default: past it, its import waits on something that is not there. */
const LOAD_TIMEOUT_MS = 60_000

/**
 * PYTHON, or the first of `candidates` that imports Flask, or else the first there is, whose helper then says that it
 * has no Flask.
 */
export function findPython (env: NodeJS.ProcessEnv = process.env, candidates = CANDIDATES): string {
  if (env.PYTHON !== undefined && env.PYTHON !== '') return env.PYTHON
  const importsFlask = candidates.find((python) => spawnSync(python, ['-c', 'import flask']).status === 0)
  const found = importsFlask ?? candidates.find((python) => spawnSync(python, ['--version']).error === undefined)
  if (found === undefined) throw new ParityError('No python3 here: install Python with Flask, or name one with PYTHON')
  return found
}

/** The rules of the Flask app `app`, in Flask's order. */
export function flaskRules (
  { app, path, python = findPython(), loadTimeoutMs = LOAD_TIMEOUT_MS }: FlaskApp
): FlaskRule[] {
  const args = [HELPER, '--app', app, ...(path === undefined ? [] : ['--path', path])]
  const run = spawnSync(python, args,
    { cwd: path, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: loadTimeoutMs, killSignal: 'SIGKILL' })
  if (run.signal === 'SIGKILL') {
    throw new ParityError(`The Flask app ${app} did not load within ${loadTimeoutMs / 1000} s: does its import ` +
      'wait for something, such as a database?')
  }
  if (run.error !== undefined) throw new ParityError(`Cannot run ${python}: ${run.error.message}`)
  if (run.status !== 0) {
    const said = run.stderr.trim().split('\n').at(-1) as string
    throw new ParityError(said === '' ? `${python} ended with status ${String(run.status)}` : said)
  }
  try {
    return (JSON.parse(run.stdout) as { rules: FlaskRule[] }).rules
  } catch {
    throw new ParityError(`The Flask app ${app} printed something besides its rules: ${run.stdout.slice(0, 80)}`)
  }
}
