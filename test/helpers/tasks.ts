// What the tests of background tasks share: a task posted and polled over inject, and the plugins the tasks plugin
// needs registered on a bare Fastify (its config, sensible, the shutdown, a metrics registry).
import sensible from '@fastify/sensible'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import configPlugin from '../../plugins/config.ts'
import inFlight from '../../plugins/app/in-flight.ts'
import metrics from '../../plugins/app/metrics.ts'
import shutdown from '../../plugins/app/shutdown.ts'
import type { Config } from '../../src/config/index.ts'

/** POST /tasks with `body` as JSON. */
export async function postTask (fastify: FastifyInstance, body: unknown): Promise<LightMyRequestResponse> {
  return await fastify.inject({
    method: 'POST',
    url: '/tasks',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body)
  })
}

/** GET `url` until the task it shows is no longer pending; `withinMs` is only there so that a broken test ends. */
export async function pollTask (
  fastify: FastifyInstance, url: string, withinMs = 20_000
): Promise<Record<string, unknown>> {
  const until = performance.now() + withinMs
  for (;;) {
    const task = (await fastify.inject(url)).json()
    if (task.state !== 'pending' || performance.now() > until) return task
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Registers on `fastify` what the tasks plugin needs besides the dependency and Redis. */
export async function registerTasksNeeds (fastify: FastifyInstance, config: Config): Promise<void> {
  await fastify.register(configPlugin, { config })
  await fastify.register(sensible)
  await fastify.register(shutdown)
  await fastify.register(inFlight)
  await fastify.register(metrics)
}
