// The Kubernetes manifests: probes on routes the app serves, one port from the image to the Service, a grace period
// longer than the shutdown, a non-root read-only container with resources, selectors that find the pods, an autoscaler
// that keeps two or more, and REDIS_URL and DATABASE_URL from Secrets whose templates stay out of
// `kubectl apply -f deploy/kubernetes/`.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig, type Config } from '../../src/config/index.ts'
import { build } from '../helpers/app.ts'

const ROOT = join(import.meta.dirname, '..', '..')

const KUBERNETES = join(ROOT, 'deploy', 'kubernetes')
const manifest = async (file: string): Promise<any> => parse(await readFile(join(KUBERNETES, file), 'utf8'))
const deployment = await manifest('deployment.yaml')
const service = await manifest('service.yaml')
const budget = await manifest('pod-disruption-budget.yaml')
const autoscaler = await manifest('horizontal-pod-autoscaler.yaml')
const secret = await manifest('templates/redis-secret.yaml')
const databaseSecret = await manifest('templates/database-secret.yaml')
const pod = deployment.spec.template
const [container] = pod.spec.containers

interface EnvEntry { name: string, value?: string, valueFrom?: { secretKeyRef: { name: string, key: string } } }
const entries: EnvEntry[] = container.env
/** The value of a variable from a Secret: the placeholder of the template of that name. */
const fromSecret = ({ secretKeyRef }: NonNullable<EnvEntry['valueFrom']>): string | undefined =>
  [secret, databaseSecret].find(({ metadata }) => metadata.name === secretKeyRef.name)?.stringData[secretKeyRef.key]
/** The manifest's environment, with the template's placeholders. */
const env: Record<string, string | undefined> = Object.fromEntries(entries.map(({ name, value, valueFrom }) =>
  [name, value ?? (valueFrom === undefined ? undefined : fromSecret(valueFrom))]))

/** The manifest's environment read by the service's own config loader, defaults filling what it leaves unset. */
async function manifestConfig (): Promise<Config> {
  const result = await loadConfig(env)
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

/** Bytes in a Kubernetes memory quantity such as 512Mi. */
function bytes (quantity: string): number {
  const [, amount = '', unit = ''] = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity) ?? []
  return Number(amount) * 1024 ** ['', 'Ki', 'Mi', 'Gi'].indexOf(unit)
}

t.test(
  'what kubectl apply -f deploy/kubernetes/ applies: a Deployment, a Service, a PodDisruptionBudget and an autoscaler',
  async (t) => {
    t.same((await readdir(KUBERNETES)).filter((file) => file.endsWith('.yaml')).sort(),
      ['deployment.yaml', 'horizontal-pod-autoscaler.yaml', 'pod-disruption-budget.yaml', 'service.yaml'],
      'and no Secret: a placeholder would overwrite the real one')
    t.has(deployment, { apiVersion: 'apps/v1', kind: 'Deployment' })
    t.has(service, { apiVersion: 'v1', kind: 'Service', spec: { type: 'ClusterIP' } })
    t.has(budget, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' })
    t.has(autoscaler, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' })
    t.equal(pod.spec.containers.length, 1)
  }
)

t.test('REDIS_URL comes from the Secret, whose template holds a URL the config accepts', async (t) => {
  t.same(entries.find(({ name }) => name === 'REDIS_URL'),
    { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'async-service-redis', key: 'REDIS_URL' } } },
    'required: without the Secret, the pod waits for it rather than serve alone')
  t.has(secret, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'async-service-redis' } })
  t.same(Object.keys(secret.stringData), ['REDIS_URL'])
  const config = await manifestConfig()
  t.match(config.REDIS_URL, /^redis:\/\/:CHANGE-ME@/, 'a placeholder, in the form the config reads')
})

t.test('DATABASE_URL comes from a Secret of its own, whose template holds a URL the config accepts', async (t) => {
  t.same(entries.find(({ name }) => name === 'DATABASE_URL'),
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'async-service-database', key: 'DATABASE_URL' } } },
    'required: without the Secret, the pod waits for it rather than call the simulator')
  t.has(databaseSecret,
    { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'async-service-database' } })
  t.same(Object.keys(databaseSecret.stringData), ['DATABASE_URL'])
  const config = await manifestConfig()
  t.match(config.DATABASE_URL, /^postgres:\/\/app:CHANGE-ME@/, 'a placeholder, in the form the config reads')
})

t.test('the autoscaler scales the Deployment on CPU, from two pods', async (t) => {
  t.same(autoscaler.spec.scaleTargetRef,
    { apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.metadata.name })
  t.ok(autoscaler.spec.minReplicas >= 2,
    `at least two pods (${autoscaler.spec.minReplicas}): one can stop while another serves`)
  t.ok(autoscaler.spec.maxReplicas > autoscaler.spec.minReplicas, `room to grow (up to ${autoscaler.spec.maxReplicas})`)
  t.match(autoscaler.spec.metrics,
    [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: Number } } }])
  t.match(container.resources.requests, { cpu: String },
    'utilization is of the CPU request, which the container must have')
  t.equal(deployment.spec.replicas, undefined,
    'the Deployment leaves the count to the autoscaler: kubectl apply would reset it')
})

t.test('the probes ask for routes the app serves, on its port', async (t) => {
  const app = await build(t)
  t.has(container.livenessProbe, { httpGet: { path: '/health', port: 'http' } })
  t.has(container.readinessProbe, { httpGet: { path: '/ready', port: 'http' } })
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    t.ok(app.hasRoute({ method: 'GET', url: probe.httpGet.path }), `GET ${probe.httpGet.path} is a route`)
  }
})

t.test('Prometheus is told to scrape each pod on its port, at a route the app serves', async (t) => {
  const app = await build(t)
  const { annotations } = pod.metadata
  t.same(annotations,
    { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/path': '/metrics' })
  t.ok(app.hasRoute({ method: 'GET', url: annotations['prometheus.io/path'] }), 'GET /metrics is a route')
  t.equal(Number(annotations['prometheus.io/port']), container.ports[0].containerPort, 'the container\'s port')
})

t.test('one port from the image to the Service: 3000, named http', async (t) => {
  const config = await manifestConfig()
  t.same(container.ports, [{ name: 'http', containerPort: 3000 }])
  t.equal(config.PORT, 3000, 'where the service listens')
  t.equal(config.HOST, '0.0.0.0', 'on every interface of the pod')
  const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
  t.match(dockerfile, /^EXPOSE 3000$/m, 'the port the image exposes')
  t.equal(service.spec.ports.length, 1)
  const [{ port, targetPort }] = service.spec.ports
  t.equal(port, 80)
  t.ok(
    container.ports.some(({ name, containerPort }: { name: string, containerPort: number }) =>
      targetPort === name || targetPort === containerPort),
    `the Service's target (${targetPort}) is the container's port, by name or number`
  )
})

t.test('every variable the manifest sets is one the config reads', async (t) => {
  t.same(Object.keys(env).filter((name) => env[name] === undefined), [], 'each has a value or a value from the Secret')
  t.not(Object.keys(env).length, 0)
  t.same(Object.keys(env).filter((name) => !(name in ConfigSchema.properties)), [],
    'no unknown name, which the service would ignore')
})

t.test(
  'the pod leaves the endpoints within the shutdown delay, and the kubelet waits for the whole shutdown',
  async (t) => {
    const config = await manifestConfig()
    t.equal(config.SHUTDOWN_DELAY_MS, 10_000)
    t.equal(config.SHUTDOWN_QUIET_MS, 0, 'the whole delay: a pause in the traffic does not mean the endpoints updated')
    t.equal(config.SHUTDOWN_TIMEOUT_MS, 10_000, 'a limit: 0 would be none, which no grace period covers')
    const { periodSeconds, failureThreshold } = container.readinessProbe
    t.equal(failureThreshold, 1)
    t.ok(periodSeconds * failureThreshold * 1000 < config.SHUTDOWN_DELAY_MS,
      'not ready, by the probe, before the delay ends')
    // A preStop hook runs before SIGTERM, and counts against the same grace period.
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000
    t.equal(container.lifecycle?.preStop?.exec, undefined, 'no preStop command, whose length no one could check')
    t.ok(
      pod.spec.terminationGracePeriodSeconds * 1000 > preStopMs + config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS,
      `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} outlasts any preStop sleep, ` +
        'SHUTDOWN_DELAY_MS and SHUTDOWN_TIMEOUT_MS'
    )
  }
)

t.test('the container runs as the non-root node user, unprivileged, on a read-only file system', async (t) => {
  // Pod-level settings apply to the container unless it sets its own.
  const security = { ...pod.spec.securityContext, ...container.securityContext }
  t.has(security, {
    runAsNonRoot: true,
    runAsUser: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' }
  })
})

t.test('cpu and memory are requested and limited, and the service sheds load before the memory limit', async (t) => {
  const { resources } = container
  t.match(resources, { requests: { cpu: String, memory: String }, limits: { cpu: String, memory: String } })
  const config = await manifestConfig()
  const limit = bytes(resources.limits.memory)
  t.ok(config.MAX_RSS_BYTES > 0.8 * limit && config.MAX_RSS_BYTES < limit,
    `MAX_RSS_BYTES ${config.MAX_RSS_BYTES} is a little under ${resources.limits.memory}`)
})

t.test('rollouts and disruptions keep a pod serving', async (t) => {
  // The fewest the autoscaler keeps.
  const replicas = autoscaler.spec.minReplicas
  t.ok(replicas >= 2, 'two pods or more')
  t.has(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } })
  const { maxUnavailable, minAvailable } = budget.spec
  const disruptable = maxUnavailable ?? replicas - minAvailable
  t.ok(disruptable >= 1 && disruptable < replicas,
    `the budget lets ${disruptable} of ${replicas} pods go at a time: some, not all`)
})

t.test("the Deployment's, the Service's and the budget's selectors find the pods", async (t) => {
  const labels = pod.metadata.labels
  for (const [owner, selector] of [
    ['Deployment', deployment.spec.selector.matchLabels],
    ['Service', service.spec.selector],
    ['PodDisruptionBudget', budget.spec.selector.matchLabels]
  ]) {
    t.not(Object.keys(selector).length, 0, `${owner}: a selector that selects`)
    t.has(labels, selector, `${owner}: the pods' labels`)
  }
})
