// Background tasks as the routes take and answer them: POST /tasks's body, the answer that accepts a task, and a task
// as GET /tasks/:id reports it (the record the task store keeps, typed from here).
import { Type, type Static } from 'typebox'

/**
 * How a task stands: pending until its work ends, then done, failed or cancelled (by a shutdown, in memory; with Redis
 * a task whose replica stops is pending again, for another replica to run).
 */
export const TaskState = Type.Enum(['pending', 'done', 'failed', 'cancelled'], {
  description: 'pending until its work ends; then done, failed, or cancelled because the service stopped ' +
    '(without Redis: with it, the task goes back to pending for another replica to run)'
})
export type TaskState = Static<typeof TaskState>

/** A task, as it stands: its times are ISO 8601. */
export const Task = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the id it was accepted under' }),
  state: TaskState,
  latencyMs: Type.Integer({ minimum: 0, description: 'the latency its dependency call asks for, in ms' }),
  createdAt: Type.String({ format: 'date-time', description: 'when it was accepted' }),
  startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when its work started' })),
  endedAt: Type.Optional(Type.String({
    format: 'date-time',
    description: 'when it ended, unless pending; it stays readable TASKS_TTL_MS after'
  })),
  error: Type.Optional(Type.String({
    description: 'why it failed; in production, only the name of the HTTP status the call failed with'
  }))
}, { description: 'The task as it stands' })
export type Task = Static<typeof Task>

/** POST /tasks's body: the latency of the task's dependency call, at most `maxLatencyMs`. */
export function TaskBody (maxLatencyMs: number) {
  return Type.Object({
    latencyMs: Type.Integer({
      minimum: 0,
      maximum: maxLatencyMs,
      description: `the latency its dependency call asks for, in ms, from 0 to ${maxLatencyMs}`
    })
  }, { additionalProperties: false })
}

/** The answer to POST /tasks: where to poll the task, and its state. */
export const TaskAccepted = Type.Pick(Task, ['id', 'state'], {
  description: 'Accepted: the task runs in the background; poll Location for its end',
  headers: { Location: Type.String({ description: 'the task\'s URL, /tasks/{id}' }) }
})

/** GET /tasks/:id's parameter. */
export const TaskParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the id POST /tasks answered with' })
})
