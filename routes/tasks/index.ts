// POST /tasks: accepts a background task (one dependency call of latencyMs) and answers 202 at once with where to poll
// it; GET /tasks/:id: the task as it stands, until TASKS_TTL_MS after it ends.
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorResponse } from '../../src/http/schemas.ts'
import { Task, TaskAccepted, TaskBody, TaskParams } from '../../src/tasks/schemas.ts'

const tasks: FastifyPluginAsyncTypebox = async (fastify) => {
  const { TASKS_MAX_LATENCY_MS, TASKS_MAX_PENDING } = fastify.config
  const refused = `body/latencyMs must be an integer number of ms from 0 to ${TASKS_MAX_LATENCY_MS}`

  // The prefix /tasks is this folder's name; '' serves it exactly, without a second route at /tasks/.
  fastify.post('', {
    schema: {
      tags: ['tasks'],
      summary: 'Accepts a background task, one dependency call of latencyMs, and answers at once where to poll it',
      body: TaskBody(TASKS_MAX_LATENCY_MS),
      response: {
        202: TaskAccepted,
        400: ErrorResponse(
          'The body is not valid JSON, holds a key "__proto__", or is not { "latencyMs": n }, n an integer from 0 to ' +
          `${TASKS_MAX_LATENCY_MS}, and nothing else; or the Idempotency-Key is malformed, or missing where required`
        ),
        503: ErrorResponse(
          `${TASKS_MAX_PENDING} tasks are pending already, Redis is unreachable, the service sheds load, ` +
          'or it is shutting down: retry after Retry-After'
        )
      }
    },
    // A repeat with the same Idempotency-Key gets the first answer again (plugins/app/idempotency.ts).
    config: { idempotent: true },
    // TypeBox's own checks for the body, which Fastify's would coerce ("5" to 5) or strip of unknown fields.
    validatorCompiler: TypeBoxValidatorCompiler,
    schemaErrorFormatter: (errors) => {
      const extra = errors.find((error) => error.keyword === 'additionalProperties')
        ?.params.additionalProperties as string[] | undefined
      return new Error(extra === undefined ? refused : `body/${extra[0]} is not allowed: the body has latencyMs only`)
    }
  }, async (request, reply) => {
    const { id, state } = await fastify.tasks.create(request.body.latencyMs)
    reply.code(202).header('location', `/tasks/${id}`)
    return { id, state }
  })

  fastify.get('/:id', {
    schema: {
      tags: ['tasks'],
      summary: 'The task as it stands: pending, done, failed or cancelled, with its times',
      params: TaskParams,
      response: {
        200: Task,
        400: ErrorResponse('The id is not a UUID'),
        404: ErrorResponse('No such task, or it ended more than TASKS_TTL_MS ago'),
        503: ErrorResponse(
          'Redis is unreachable, the service sheds load, or it is shutting down: retry after Retry-After'
        )
      }
    }
  }, async (request) => {
    const task = await fastify.tasks.get(request.params.id)
    if (task === undefined) throw fastify.httpErrors.notFound(`Task ${request.params.id} not found`)
    return task
  })
}

export default tasks
