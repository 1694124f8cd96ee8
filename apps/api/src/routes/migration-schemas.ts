import { Type } from "typebox";
import { BootSchema } from "./health.js";

const NullableString = Type.Union([Type.String(), Type.Null()]);

const Column = Type.Object({
  name: Type.String(),
  type: Type.String(),
  nullable: Type.Boolean(),
  default: NullableString,
});

/** A row of `tidemark.history`. */
export const HistoryRowSchema = Type.Object({
  id: Type.Integer(),
  revision: Type.String(),
  // Besides up/down the table also records restore and stamp events.
  direction: Type.String(),
  checksum: NullableString,
  startedAt: Type.String(),
  finishedAt: NullableString,
  durationMs: Type.Union([Type.Number(), Type.Null()]),
  appliedBy: Type.Record(Type.String(), Type.Unknown()),
  environment: Type.String(),
  status: Type.String(),
  error: NullableString,
  backupFile: NullableString,
});

const LintFinding = Type.Object({
  rule: Type.String(),
  severity: Type.String(),
  file: Type.String(),
  line: Type.Integer(),
  statement: Type.String(),
  message: Type.String(),
  why: Type.String(),
  fix: Type.String(),
  revision: Type.Optional(Type.String()),
});

/** `GET /migrations/status`. */
export const StatusSchema = Type.Object({
  database: Type.String(),
  databaseExists: Type.Boolean(),
  environment: Type.String(),
  current: NullableString,
  latest: NullableString,
  upToDate: Type.Boolean(),
  applied: Type.Array(
    Type.Object({ revision: NullableString, hash: Type.String(), createdAt: Type.Number() }),
  ),
  pending: Type.Array(Type.String()),
  drift: Type.Array(
    Type.Object({
      revision: Type.String(),
      kind: Type.String(),
      appliedChecksum: Type.String(),
      fileChecksum: Type.Optional(Type.String()),
    }),
  ),
  late: Type.Array(Type.String()),
  invalidIndexes: Type.Array(Type.String()),
  tables: Type.Array(
    Type.Object({ schema: Type.String(), name: Type.String(), columns: Type.Array(Column) }),
  ),
  lockHolder: Type.Union([
    Type.Object({
      pid: Type.Integer(),
      applicationName: Type.String(),
      clientAddr: NullableString,
      since: NullableString,
      query: NullableString,
    }),
    Type.Null(),
  ]),
  lastFailure: Type.Union([HistoryRowSchema, Type.Null()]),
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

/** `GET /migrations/status` without a token: revisions and boot phase only. */
export const StatusSummarySchema = Type.Object({
  current: NullableString,
  latest: NullableString,
  pending: Type.Array(Type.String()),
  upToDate: Type.Boolean(),
  boot: Type.Object({ phase: Type.String() }),
});
