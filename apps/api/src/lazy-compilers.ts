import { createRequire } from "node:module";
import type ValidatorSelector from "@fastify/ajv-compiler";
import type SerializerSelector from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

// Fastify loads Ajv and fast-json-stringify and compiles every route's validators and
// response serializers before it listens: about a fifth of the cold boot, for routes most
// processes never serve. These factories are Fastify's own (same options, same code), loaded
// on the first request that needs one; each schema is compiled on the first request that
// needs it, then reused.

const require = createRequire(import.meta.url);

type ValidatorFactory = ReturnType<typeof ValidatorSelector>;
type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Validate = ((data: unknown, dataCxt?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (doc: unknown) => string;

/** `make()`, run once, on the first call of the returned function. */
function onFirstUse<T>(make: () => T): () => T {
  let value: { v: T } | null = null;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
}

const lazyValidators = ((...args: Parameters<ValidatorFactory>) => {
  const compiler = onFirstUse(() => {
    const selector = require("@fastify/ajv-compiler") as typeof ValidatorSelector;
    return selector()(...args) as unknown as (route: unknown) => Validate;
  });
  return (route: unknown) => {
    const compiled = onFirstUse(() => compiler()(route));
    // Fastify reads `errors` after a failed call, and passes the parent object (so Ajv can
    // coerce and fill defaults in place) only to functions that have a `schemaEnv`.
    const validate: Validate = (data, dataCxt) => {
      const fn = compiled();
      const ok = fn(data, dataCxt);
      validate.errors = fn.errors;
      return ok;
    };
    validate.schemaEnv = true;
    return validate;
  };
}) as unknown as ValidatorFactory;

const lazySerializers = ((...args: Parameters<SerializerFactory>) => {
  const compiler = onFirstUse(() => {
    const selector = require("@fastify/fast-json-stringify-compiler") as typeof SerializerSelector;
    return selector()(...args) as (route: unknown) => Serialize;
  });
  return (route: unknown) => {
    const compiled = onFirstUse(() => compiler()(route));
    return (doc: unknown) => compiled()(doc);
  };
}) as unknown as SerializerFactory;

/** The `schemaController` option: Fastify's default compilers, loaded and run on first use. */
export function lazySchemaCompilers(): NonNullable<FastifyServerOptions["schemaController"]> {
  return { compilersFactory: { buildValidator: lazyValidators, buildSerializer: lazySerializers } };
}
