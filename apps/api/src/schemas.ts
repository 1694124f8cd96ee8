import { Type } from "./type.js";

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

/** Deepest offset a list route accepts: beyond it PostgreSQL would only scan rows to skip them. */
export const MAX_OFFSET = 10_000_000;

/** `?limit=&offset=` for list routes; bounded so `1e308` or 20 digits are a 400, not a driver error. */
export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
  },
  { additionalProperties: false },
);

/** Route config that rate-limits a route per client (@fastify/rate-limit, registered in app.ts). */
export function perClientLimit(perMinute: number) {
  return { rateLimit: { max: perMinute, timeWindow: 60_000 } };
}

/** A timestamp: drizzle hands out Dates, the wire carries ISO strings. */
export const DateTime = Type.Unsafe<Date | string>(Type.String({ format: "date-time" }));
