// The Kubernetes manifests: probes on routes the app serves, one port from the image to the Service, a grace period
// longer than the shutdown, a non-root read-only container with resources, and selectors that find the pods.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig, type Config } from '../../src/config.js'
import { build } from '../helper.js'

const ROOT = join(import.meta.dirname, '..', '..')

const manifest = async (file: string): Promise<any> => parse(await readFile(join(ROOT, 'deploy', 'kubernetes', file), 'utf8'))
const deployment = await manifest('deployment.yaml')
const service = await manifest('service.yaml')
const budget = await manifest('pod-disruption-budget.yaml')
const pod = deployment.spec.template
const [container] = pod.spec.containers
const env: Record<string, string> = Object.fromEntries(container.env.map(({ name, value }: { name: string, value: string }) => [name, value]))

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

t.test('one Deployment, one Service and one PodDisruptionBudget', async (t) => {
  t.has(deployment, { apiVersion: 'apps/v1', kind: 'Deployment' })
  t.has(service, { apiVersion: 'v1', kind: 'Service', spec: { type: 'ClusterIP' } })
  t.has(budget, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' })
  t.equal(pod.spec.containers.length, 1)
})

t.test('the probes ask for routes the app serves, on its port', async (t) => {
  const app = await build(t)
  t.has(container.livenessProbe, { httpGet: { path: '/health', port: 'http' } })
  t.has(container.readinessProbe, { httpGet: { path: '/ready', port: 'http' } })
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    t.ok(app.hasRoute({ method: 'GET', url: probe.httpGet.path }), `GET ${probe.httpGet.path} is a route`)
  }
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
  t.ok(container.ports.some(({ name, containerPort }: { name: string, containerPort: number }) => targetPort === name || targetPort === containerPort),
    `the Service's target (${targetPort}) is the container's port, by name or number`)
})

t.test('every variable the manifest sets is one the config reads', async (t) => {
  t.not(Object.keys(env).length, 0)
  t.same(Object.keys(env).filter((name) => !(name in ConfigSchema.properties)), [], 'no unknown name, which the service would ignore')
})

t.test('the pod leaves the endpoints within the shutdown delay, and the kubelet waits for the whole shutdown', async (t) => {
  const config = await manifestConfig()
  t.equal(config.SHUTDOWN_DELAY_MS, 10_000)
  t.equal(config.SHUTDOWN_TIMEOUT_MS, 10_000, 'a limit: 0 would be none, which no grace period covers')
  const { periodSeconds, failureThreshold } = container.readinessProbe
  t.equal(failureThreshold, 1)
  t.ok(periodSeconds * failureThreshold * 1000 < config.SHUTDOWN_DELAY_MS, 'not ready, by the probe, before the delay ends')
  t.ok(pod.spec.terminationGracePeriodSeconds * 1000 > config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS,
    `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} outlasts SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS`)
})

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
  t.ok(config.MAX_RSS_BYTES > 0.8 * limit && config.MAX_RSS_BYTES < limit, `MAX_RSS_BYTES ${config.MAX_RSS_BYTES} is a little under ${resources.limits.memory}`)
})

t.test('rollouts and disruptions keep a pod serving', async (t) => {
  const { replicas } = deployment.spec
  t.ok(replicas >= 2, 'two pods or more')
  t.has(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } })
  const { maxUnavailable, minAvailable } = budget.spec
  const disruptable = maxUnavailable ?? replicas - minAvailable
  t.ok(disruptable >= 1 && disruptable < replicas, `the budget lets ${disruptable} of ${replicas} pods go at a time: some, not all`)
})

t.test("the Deployment's, the Service's and the budget's selectors find the pods", async (t) => {
  const labels = pod.metadata.labels
  for (const [owner, selector] of [['Deployment', deployment.spec.selector.matchLabels], ['Service', service.spec.selector],
    ['PodDisruptionBudget', budget.spec.selector.matchLabels]]) {
    t.not(Object.keys(selector).length, 0, `${owner}: a selector that selects`)
    t.has(labels, selector, `${owner}: the pods' labels`)
  }
})
