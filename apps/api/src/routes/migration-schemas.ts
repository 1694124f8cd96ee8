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

/** The live schema against the one recorded after the last run (see ARCHITECTURE.md). */
const SchemaDriftSchema = Type.Object({
  state: Type.Union([
    Type.Literal("clean"),
    Type.Literal("drifted"),
    Type.Literal("mismatch"),
    Type.Literal("unrecorded"),
  ]),
  recorded: Type.Union([
    Type.Object({ revision: NullableString, recordedAt: Type.String(), recordedBy: Type.String() }),
    Type.Null(),
  ]),
  changes: Type.Array(
    Type.Object({
      change: Type.String(),
      kind: Type.String(),
      name: Type.String(),
      before: Type.Optional(Type.String()),
      after: Type.Optional(Type.String()),
      snapshotOf: Type.Optional(Type.String()),
    }),
  ),
  summary: Type.String(),
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
  // Only while nothing has superseded it; a superseded one moves to supersededFailure.
  lastFailure: Type.Union([HistoryRowSchema, Type.Null()]),
  supersededFailure: Type.Union([
    Type.Intersect([HistoryRowSchema, Type.Object({ supersededBecause: Type.String() })]),
    Type.Null(),
  ]),
  schemaDrift: Type.Union([SchemaDriftSchema, Type.Null()]),
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
