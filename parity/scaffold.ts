// npm run parity -- scaffold: for each Flask rule the service lacks, a route in the house's layout and a test for it.
// Rules are grouped by their first path segment (the resource): routes/<resource>/index.ts, or, where that exists,
// routes/<resource>/from-flask.ts beside it; test/routes/ mirrors them. A route's path takes each variable as Flask's
// converter does (its pattern in the path, so that a value that does not match it is a 404 here too), its parameters
// are typed from the converter (an int or float out of its bounds a 400 by the schema, where Flask answers 404), and
// it answers 501 naming the Flask endpoint it replaces, until it is ported; a Werkzeug redirect rule is ported whole.
// No file is ever overwritten.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ParityError } from './errors.ts'
import { rewriteRule, variableOf, type FlaskRule, type FlaskVariable } from './flask.ts'
import { hostOf, serviceShape, viewMethods } from './match.ts'
import type { ServiceRoute } from './service.ts'
import { fillRule, refusedValue, sampleValue } from './samples.ts'

export interface ScaffoldFile {
  /** Relative to the project's root, with forward slashes. */
  path: string
  content: string
}

export interface ScaffoldPlan {
  files: ScaffoldFile[]
  /** Rules left to be ported by hand, and why. */
  left: Array<{ rule: string, reason: string }>
}

const STATIC = 'a static folder: serve it with @fastify/static (plugins/external/static.ts)'

/** A TypeScript string literal of `text`: in single quotes, or in double quotes where that saves an escape. */
function quoted (text: string): string {
  const escaped = text.replaceAll('\\', '\\\\')
  return text.includes("'") && !text.includes('"')
    ? `"${escaped}"`
    : `'${escaped.replaceAll("'", "\\'")}'`
}

/** An object key in source: bare where it can be. */
function key (name: string): string {
  return /^[a-zA-Z_$][a-zA-Z0-9_$]*$/.test(name) ? name : quoted(name)
}

/** `text` as `//` comment lines of at most 120 columns. */
function comment (text: string): string {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines.at(-1)
    if (last !== undefined && last.length + 1 + word.length <= 120) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(`// ${word}`)
  }
  return lines.join('\n')
}

/** The typebox schema (as source) of a parameter `variable`'s converter makes. */
function parameterSchema ({ converter, builtin, args, kwargs }: FlaskVariable): string {
  const options = (entries: Array<[string, unknown]>): string => {
    const given = entries.filter(([, value]) => typeof value === 'number')
    return given.length === 0 ? '' : `{ ${given.map(([key, value]) => `${key}: ${String(value)}`).join(', ')} }`
  }
  if (!builtin) return 'Type.String()'
  switch (converter) {
    case 'int':
    case 'float':
      return `Type.${converter === 'int' ? 'Integer' : 'Number'}(${options([
        ['minimum', kwargs.min ?? (kwargs.signed === true ? undefined : 0)], ['maximum', kwargs.max]])})`
    case 'uuid':
      return "Type.String({ format: 'uuid' })"
    case 'any':
      return `Type.Union([${args.map((item) => `Type.Literal(${quoted(String(item))})`).join(', ')}])`
    case 'path':
      return 'Type.String()'
    default:
      return `Type.String(${options([['minLength', kwargs.length ?? kwargs.minlength],
        ['maxLength', kwargs.length ?? kwargs.maxlength]])})`
  }
}

/** Whether the converter takes any one segment, so that the route's path needs no pattern for it. */
function anySegment ({ converter, builtin, kwargs }: FlaskVariable): boolean {
  return builtin && ['default', 'string'].includes(converter) &&
    kwargs.length === undefined && kwargs.maxlength === undefined && (kwargs.minlength ?? 1) === 1
}

interface Route {
  rule: FlaskRule
  /** The route's path within its resource's folder, as Fastify takes it. */
  url: string
  /** Its parameters: their names and typebox schemas, as source. */
  params: Array<[name: string, schema: string]>
}

/** `rule` as a route of the folder `/<resource>`, or the reason it must be ported by hand. */
function routeOf (rule: FlaskRule, resource: string): Route | string {
  const params: Array<[string, string]> = []
  const rest = rule.rule.slice(resource === '' ? 0 : resource.length + 1)
  let problem: string | undefined
  // A colon of the path's own is `::` to Fastify.
  const url = rewriteRule(rest, (text) => text.replaceAll(':', '::'), (match) => {
    const variable = variableOf(rule, match)
    if (variable.converter === 'path' && variable.builtin) {
      if ((match.index as number) + match[0].length !== rest.length) {
        problem = 'a path variable before the end: Fastify takes * last only'
      }
      params.push(['*', parameterSchema(variable)])
      return '*'
    }
    if (!isPattern(variable.regex)) {
      problem = `its converter's pattern, ${variable.regex}, is Python's, not JavaScript's: write its path by hand`
    }
    params.push([variable.name, parameterSchema(variable)])
    return anySegment(variable) ? `:${variable.name}` : `:${variable.name}(^${variable.regex}$)`
  })
  return problem ?? { rule, url, params }
}

/** Whether JavaScript reads `pattern` as a regular expression. */
function isPattern (pattern: string): boolean {
  try {
    RegExp(pattern)
    return true
  } catch {
    return false
  }
}

/** The resource a rule belongs to: its first segment when that holds no variable, else '' (the routes/ folder). */
function resourceOf (rule: string): string {
  const first = rule.split('/')[1] as string
  return first.includes('<') ? '' : first
}

/** The full path of a route at `url` in the resource's folder. */
function pathOf (resource: string, url: string): string {
  return resource === '' ? url : `/${resource}${url}`
}

/** The identifier a resource's plugin is named by. */
function pluginName (resource: string): string {
  const words = resource.split(/[^a-zA-Z0-9]+/).filter(Boolean)
  const name = words.map((word, i) => (i === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('')
  return /^[a-zA-Z_]/.test(name) ? `${name}Routes` : 'ported'
}

function routeSource (route: Route): string {
  const { rule, url, params } = route
  const target = redirectOf(rule)
  const schema = [
    "      tags: ['ported from Flask'],",
    `      summary: ${quoted(`Flask's ${rule.endpoint}: ${rule.rule}`)},`,
    ...(params.length === 0
      ? []
      : [`      params: Type.Object({ ${params.map(([name, type]) => `${key(name)}: ${type}`).join(', ')} }),`]),
    ...(target === undefined ? ["      response: { 501: ErrorResponse('Not ported from Flask yet') },"] : [])
  ]
  const handler = target === undefined
    ? [
        '    handler: async (request) => {',
        '      throw fastify.httpErrors.notImplemented(',
        `        \`\${request.method} \${request.url} is not ported yet: Flask's ${rule.endpoint} answers it\`)`,
        '    }'
      ]
    : [
        "    // Werkzeug's redirect rule (redirect_to), with its status.",
        `    handler: async (request, reply) => await reply.redirect(${quoted(target)}, 308)`
      ]
  return [
    '  fastify.route({',
    `    method: [${viewMethods(rule).map(quoted).join(', ')}],`,
    `    url: ${quoted(url)},`,
    '    schema: {',
    schema.join('\n').replace(/,$/, ''),
    '    },',
    ...handler,
    '  })'
  ].join('\n')
}

/** Where a Werkzeug redirect rule sends its requests, when that is a fixed path. */
function redirectOf (rule: FlaskRule): string | undefined {
  return rule.redirectTo !== null && !rule.redirectTo.includes('<') ? rule.redirectTo : undefined
}

function moduleSource (routes: Route[], resource: string, depth: number): string {
  const up = '../'.repeat(depth)
  const usesParams = routes.some(({ params }) => params.length > 0)
  const usesErrors = routes.some(({ rule }) => redirectOf(rule) === undefined)
  const name = pluginName(resource)
  return [
    comment(`Scaffolded from Flask's rules (npm run parity -- scaffold): ${
      routes.map(({ rule }) => rule.endpoint).join(', ')}. Each route answers 501 until it is ported; ` +
      "a value that does not match Flask's converter's pattern is a 404 here too."),
    "import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'",
    ...(usesParams ? ["import { Type } from 'typebox'"] : []),
    ...(usesErrors ? [`import { ErrorResponse } from '${up}src/http/schemas.ts'`] : []),
    '',
    `const ${name}: FastifyPluginAsyncTypebox = async (fastify) => {`,
    routes.map(routeSource).join('\n\n'),
    '}',
    '',
    `export default ${name}`,
    ''
  ].join('\n')
}

/** A test of `name` running `body`: on one line with its name when that fits in 120 columns. */
function testCase (name: string, body: string[]): string {
  const opening = `t.test(${quoted(name)}, async (t) => {`
  return opening.length <= 120
    ? [opening, ...body.map((line) => `  ${line}`), '})'].join('\n')
    : ['t.test(', `  ${quoted(name)},`, '  async (t) => {', ...body.map((line) => `    ${line}`), '  })'].join('\n')
}

function testSource (routes: Route[], depth: number, module: string): string {
  const cases = routes.flatMap(({ rule }) => {
    const path = fillRule(rule, sampleValue)
    const inject = (method: string, url: string): string =>
      `const response = await app.inject({ method: ${quoted(method)}, url: ${quoted(url)} })`
    const target = redirectOf(rule)
    const answered = viewMethods(rule).map((method) => target === undefined
      ? testCase(`${method} ${path}: 501 until it is ported from Flask's ${rule.endpoint}`, [
        inject(method, path),
        't.equal(response.statusCode, 501)',
        't.equal(response.json().message,',
        `  ${quoted(`${method} ${path} is not ported yet: Flask's ${rule.endpoint} answers it`)})`
      ])
      : testCase(`${method} ${path}: redirected to ${target}, as Werkzeug's rule does`, [
        inject(method, path),
        `t.same([response.statusCode, response.headers.location], [308, ${quoted(target)}])`
      ]))
    if (!rule.arguments.some((variable) => refusedValue(variable) !== undefined)) return answered
    const refused = fillRule(rule, (variable) => refusedValue(variable) ?? sampleValue(variable))
    return [...answered, testCase(`GET ${refused}: 404, a value Flask's converter refuses`, [
      inject('GET', refused),
      't.equal(response.statusCode, 404)'
    ])]
  })
  return [
    comment(`${module}, scaffolded from Flask's rules (npm run parity -- scaffold): each route answers 501 until it ` +
      'is ported. Replace these checks with what the Flask view answers as each is ported.'),
    "import t from 'tap'",
    `import { build } from '${'../'.repeat(depth)}helpers/app.ts'`,
    '',
    'const app = await build(t)',
    '',
    cases.join('\n\n'),
    ''
  ].join('\n')
}

/** What scaffolding `rules` into the project at `root` would write, and which rules it leaves to be ported by hand. */
export function scaffoldPlan (rules: FlaskRule[], root: string, existing: ServiceRoute[] = []): ScaffoldPlan {
  const left: ScaffoldPlan['left'] = []
  const byResource = new Map<string, Route[]>()
  for (const rule of rules) {
    if (rule.static) {
      left.push({ rule: rule.rule, reason: STATIC })
      continue
    }
    const only = hostOf(rule)
    if (only !== undefined) {
      left.push({ rule: rule.rule, reason: `${only}: write it by hand, with Fastify's host constraint` })
      continue
    }
    const resource = resourceOf(rule.rule)
    const route = routeOf(rule, resource)
    if (typeof route === 'string') {
      left.push({ rule: rule.rule, reason: route })
      continue
    }
    // find-my-way keeps one route where two differ only in their parameters' patterns (one scaffolded here, or the
    // service's own), and takes one URL once for each method.
    const full = pathOf(resource, route.url)
    const methods = viewMethods(rule)
    const clashes = (url: string, theirs: string[]): boolean => url === full
      ? theirs.some((method) => methods.includes(method))
      : serviceShape(url) === serviceShape(full) && url.includes('(') && full.includes('(')
    const twin = (byResource.get(resource) ?? [])
      .find((other) => clashes(pathOf(resource, other.url), viewMethods(other.rule)))?.rule.rule ??
      existing.find(({ url, methods: theirs }) => clashes(url, theirs))?.url
    if (twin !== undefined) {
      left.push({
        rule: rule.rule,
        reason: `Fastify's router takes one route for it and ${twin}, which differ only in the values their ` +
          'variables take or share a method: port them as one route whose handler tells the requests apart'
      })
      continue
    }
    byResource.set(resource, [...byResource.get(resource) ?? [], route])
  }
  const files: ScaffoldFile[] = []
  for (const [resource, routes] of byResource) {
    const folder = resource === '' ? 'routes' : `routes/${resource}`
    const name = existsSync(join(root, folder, 'index.ts')) ? 'from-flask' : 'index'
    const module = `${folder}/${name}.ts`
    const test = `test/${folder}/${name}.test.ts`
    const taken = [module, test].find((path) => existsSync(join(root, path)))
    if (taken !== undefined) {
      for (const { rule } of routes) left.push({ rule: rule.rule, reason: `${taken} exists, and is not overwritten` })
      continue
    }
    const depth = folder.split('/').length
    files.push({ path: module, content: moduleSource(routes, resource, depth) })
    files.push({ path: test, content: testSource(routes, depth, module) })
  }
  return { files, left }
}

/** Writes the plan's files under `root`, failing rather than overwriting one that has appeared meanwhile. */
export async function writePlan ({ files }: ScaffoldPlan, root: string): Promise<void> {
  for (const { path, content } of files) {
    try {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), content, { flag: 'wx' })
    } catch (error) {
      throw new ParityError(`Cannot write ${path}: ${(error as Error).message}`)
    }
  }
}
