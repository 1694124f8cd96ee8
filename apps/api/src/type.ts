import type { TSchema, Type as TypeBox } from "typebox";

// The few TypeBox builders the routes use, as plain JSON Schema with TypeBox's own types (so
// the Fastify type provider infers requests and replies as before). Why: the `typebox` package
// is about 370 ES modules whose loading was a quarter of the API's cold boot; its types cost
// nothing at run time. The output equals TypeBox's (a test compares them).

type Options = Record<string, unknown> | undefined;

/** Schemas wrapped in `Optional`: left out of their object's `required`. */
const optional = new WeakSet<object>();

const schema = (base: object, options: Options): TSchema => ({ ...base, ...options }) as TSchema;

function literalType(value: unknown): string {
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
}

function object(properties: Record<string, TSchema>, options?: Options): TSchema {
  const required = Object.keys(properties).filter((key) => !optional.has(properties[key] as object));
  return schema(
    required.length > 0 ? { type: "object", required, properties } : { type: "object", properties },
    options,
  );
}

function optionalOf(type: TSchema): TSchema {
  const copy = { ...type };
  optional.add(copy);
  return copy;
}

/** The builders the API's schemas use: `Type.Object`, `Type.String` and so on. */
export const Type = {
  Array: (items: TSchema, options?: Options) => schema({ type: "array", items }, options),
  Boolean: (options?: Options) => schema({ type: "boolean" }, options),
  Integer: (options?: Options) => schema({ type: "integer" }, options),
  Literal: (value: unknown, options?: Options) => schema({ type: literalType(value), const: value }, options),
  Null: (options?: Options) => schema({ type: "null" }, options),
  Number: (options?: Options) => schema({ type: "number" }, options),
  Object: object,
  Optional: optionalOf,
  // Every record here is keyed by strings, which TypeBox writes as the pattern `^.*$`.
  Record: (_key: TSchema, value: TSchema, options?: Options) =>
    schema({ type: "object", patternProperties: { "^.*$": value } }, options),
  String: (options?: Options) => schema({ type: "string" }, options),
  Union: (anyOf: TSchema[], options?: Options) => schema({ anyOf }, options),
  Unknown: (options?: Options) => schema({}, options),
  Unsafe: (type: object) => ({ ...type }) as TSchema,
} as unknown as Pick<
  typeof TypeBox,
  | "Array"
  | "Boolean"
  | "Integer"
  | "Literal"
  | "Null"
  | "Number"
  | "Object"
  | "Optional"
  | "Record"
  | "String"
  | "Union"
  | "Unknown"
  | "Unsafe"
>;

export type { Static, TSchema, TUnsafe } from "typebox";
