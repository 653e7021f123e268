// The shape of every error answer, as a response schema (the same body for a 400, a 404 or a 503) and as the OpenAPI
// document shows it, and the errors a route that calls the dependency may answer.
import { Type, type TSchema } from 'typebox'
import { STATUS_CODES } from './status-codes.ts'

/** An error answer, described for the status it stands under. */
export function ErrorResponse (description: string) {
  return Type.Object({
    statusCode: Type.Integer({ minimum: 400, maximum: 599, description: 'the HTTP status' }),
    error: Type.String({ description: 'the name of the status, such as "Bad Request"' }),
    message: Type.String({
      description: 'what was wrong; for a 5xx in production, only the name of the status, ' +
        'but for a 503 to retry later, which says what is busy or unavailable'
    }),
    code: Type.Optional(Type.String({
      description: 'a machine-readable code where there is one, such as FST_ERR_VALIDATION; never on a 5xx'
    }))
  }, { description })
}

/**
 * `responses` (a route's response schemas, by status) as the OpenAPI document shows them: each error answer's
 * statusCode and error given as its own status's example, where a reader would otherwise see 400 for every one.
 */
export function withErrorExamples (responses: Record<string, TSchema>): Record<string, TSchema> {
  return Object.fromEntries(Object.entries(responses).map(([status, schema]) => {
    const properties = (schema as { properties?: Record<string, TSchema> }).properties
    if (properties?.statusCode === undefined || properties.error === undefined) return [status, schema]
    return [status, {
      ...schema,
      properties: {
        ...properties,
        statusCode: { ...properties.statusCode, examples: [Number(status)] },
        error: { ...properties.error, examples: [STATUS_CODES[status]] }
      }
    }]
  }))
}

/** The errors of a route that calls the dependency. */
export const DependencyErrors = {
  502: ErrorResponse('The dependency failed, or cannot be reached'),
  503: ErrorResponse(
    'No connection to the dependency was free in time, the service sheds load, or it is shutting down: ' +
    'retry after Retry-After'
  ),
  504: ErrorResponse("The request's deadline passed, or the dependency was too slow")
}
