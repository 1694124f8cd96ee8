import {
  historyRowSchema,
  lintFindingSchema,
  type StatusReport,
  statusReportSchema,
} from "@tidemark/migrate";
import { z } from "zod";
import { type Static, type TSchema, type TUnsafe, Type } from "../type.js";
import { BootSchema } from "./health.js";

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A route schema derived from the engine's zod schema: the report shape is defined only there. */
export function fromEngine<S extends z.ZodType>(
  schema: S,
): TUnsafe<z.infer<S>> & { properties: object; required: string[] } {
  const { $schema: _draft, ...json } = z.toJSONSchema(schema, { target: "draft-7" });
  return Type.Unsafe<z.infer<S>>(json as TSchema) as TUnsafe<z.infer<S>> & {
    properties: object;
    required: string[];
  };
}

/** A row of `tidemark.history`. */
export const HistoryRowSchema = fromEngine(historyRowSchema);

/** A lint finding, as the engine defines it. */
const LintFinding = fromEngine(lintFindingSchema);

/** What the API adds to the engine's status report. */
const StatusExtras = Type.Object({
  lint: Type.Union([
    Type.Object({
      findings: Type.Array(LintFinding),
      errors: Type.Integer(),
      warnings: Type.Integer(),
    }),
    Type.Null(),
  ]),
  lintError: NullableString,
  queue: Type.Object({
    counts: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()]),
    reason: NullableString,
  }),
  boot: BootSchema,
  generatedAt: Type.String({ format: "date-time" }),
});

const engineStatus = fromEngine(statusReportSchema);

/** `GET /migrations/status`: the engine's report plus the API's own fields. */
export const StatusSchema = Type.Unsafe<StatusReport & Static<typeof StatusExtras>>({
  ...engineStatus,
  properties: { ...engineStatus.properties, ...StatusExtras.properties },
  required: [...engineStatus.required, ...StatusExtras.required],
} as TSchema);

/** `GET /migrations/status` without a token: revisions and boot phase only. */
export const StatusSummarySchema = Type.Object({
  current: NullableString,
  latest: NullableString,
  pending: Type.Array(Type.String()),
  upToDate: Type.Boolean(),
  boot: Type.Object({ phase: Type.String() }),
});
