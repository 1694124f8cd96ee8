import { Type } from "typebox";

/** The shared error shape, declared on every route for OpenAPI and serialization. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: "Every error: a stable code, a message that says what to do next" },
);

/** Response entries for the error statuses every route can produce. */
export const errorResponses = {
  "4xx": ErrorSchema,
  "5xx": ErrorSchema,
};

/** A numeric path id (`/users/:id`). */
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

/** `?limit=&offset=` for list routes. */
export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

/** A timestamp: drizzle hands out Dates, the wire carries ISO strings. */
export const DateTime = Type.Unsafe<Date | string>(Type.String({ format: "date-time" }));
