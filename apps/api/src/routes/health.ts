import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Boot } from "../boot.js";
import { Type } from "../type.js";

const Failure = Type.Object({
  code: Type.String(),
  message: Type.String(),
  migration: Type.Union([Type.String(), Type.Null()]),
  statement: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  nextCommand: Type.String(),
});

/** The boot state as `/health/ready` and `/migrations/status` serve it. */
export const BootSchema = Type.Object({
  phase: Type.Union([
    Type.Literal("connecting"),
    Type.Literal("migrating"),
    Type.Literal("ready"),
    Type.Literal("degraded"),
  ]),
  mode: Type.Union([Type.Literal("queue"), Type.Literal("inline"), Type.Literal("off")]),
  since: Type.String({ format: "date-time" }),
  attempts: Type.Integer(),
  revision: Type.Union([Type.String(), Type.Null()]),
  pending: Type.Union([Type.Integer(), Type.Null()]),
  failure: Type.Union([Failure, Type.Null()]),
  nextRetryAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

/**
 * Probes answer with plain `JSON.stringify`: their replies are built field by field in the
 * schemas' order, and compiling a serializer for them cost the first probe (the one a
 * platform waits on at cold start) tens of milliseconds. The schemas still document them.
 */
const stringify = () => (data: unknown) => JSON.stringify(data);

/** `/health/live` (the process answers) and `/health/ready` (the schema is migrated). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ boot: Boot }> = async (app, { boot }) => {
  app.get(
    "/health/live",
    {
      serializerCompiler: stringify,
      schema: {
        tags: ["health"],
        summary: "The process is up (it answers even while migrating or degraded)",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/health/ready",
    {
      serializerCompiler: stringify,
      schema: {
        tags: ["health"],
        summary: "200 once the database is migrated; 503 with the reason and next command otherwise",
        response: { 200: BootSchema, 503: BootSchema },
      },
    },
    async (_req, reply) => {
      const snapshot = boot.snapshot();
      return reply.code(snapshot.phase === "ready" ? 200 : 503).send(snapshot);
    },
  );
};
