// Fastify's own compilers (ajv for validation, fast-json-stringify for serialization), each schema compiled when its
// route first needs it rather than all at start: Fastify compiles every route's schemas before it listens, a third of
// a start's own work here, for answers most starts do not give soon. The functions compiled are the same: the same
// checks, coercions and error messages; a schema that does not compile fails its route's first request instead.
import AjvCompiler from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
// The factories' shapes as far as this module uses them: schemas and options passed through as they come.
type Validate = ((data: unknown) => unknown) & { errors?: unknown }
type ValidatorFactory = (externalSchemas: never, options: never) => (route: never) => Validate
type SerializerFactory = (externalSchemas: never, options: never) => (route: never) => (data: unknown) => string

/** `compute` called once, on the first call of the function returned (what it makes is never undefined). */
function once<T> (compute: () => T): () => T {
  let value: T | undefined
  return () => (value ??= compute())
}

function lazyValidators (buildValidator: ValidatorFactory): ValidatorFactory {
  return (externalSchemas, options) => {
    // The ajv instance too (its meta-schemas compiled when made) waits for the first validation.
    const compiler = once(() => buildValidator(externalSchemas, options))
    return (route) => {
      const compiled = once(() => compiler()(route))
      // Fastify reads a failed validation's errors from the function it called.
      const validate: Validate = (data) => {
        const real = compiled()
        const valid = real(data)
        validate.errors = real.errors
        return valid
      }
      return validate
    }
  }
}

function lazySerializers (buildSerializer: SerializerFactory): SerializerFactory {
  return (externalSchemas, options) => {
    const compiler = once(() => buildSerializer(externalSchemas, options))
    return (route) => {
      const compiled = once(() => compiler()(route))
      return (data) => compiled()(data)
    }
  }
}

/** For Fastify's schemaController option. */
export function lazyCompilers (): CompilersFactory {
  return {
    buildValidator: lazyValidators(AjvCompiler() as ValidatorFactory) as unknown as CompilersFactory['buildValidator'],
    buildSerializer: lazySerializers(SerializerSelector()) as unknown as CompilersFactory['buildSerializer']
  }
}
