import { z } from "zod";
import type { Migration } from "./types.js";

// Each report shape is defined once, here, as a zod schema: the TypeScript type is inferred from
// it, packages/jobs validates job results with it, and the API serves its JSON Schema.

/** One migration applied or rolled back during a run. */
export const stepReportSchema = z.object({
  revision: z.string(),
  direction: z.enum(["up", "down"]),
  durationMs: z.number(),
  /** Statements that actually ran (environment-filtered). */
  statements: z.number(),
});
/** One migration applied or rolled back during a run. */
export type StepReport = z.infer<typeof stepReportSchema>;

/** What a migration run did, returned to the CLI, the API and as a job's result. */
export const runReportSchema = z.object({
  direction: z.enum(["up", "down"]),
  from: z.string().nullable(),
  to: z.string().nullable(),
  dryRun: z.boolean(),
  steps: z.array(stepReportSchema),
  /** Restore point taken before a destructive run, if any. */
  backupFile: z.string().optional(),
  /** Set when the run stopped early because shutdown was requested. */
  interrupted: z.boolean().optional(),
});
/** What a migration run did. */
export type RunReport = z.infer<typeof runReportSchema>;

/** A row of `drizzle.__drizzle_migrations` matched to its journal entry. */
export const appliedMigrationSchema = z.object({
  revision: z.string().nullable(),
  hash: z.string(),
  createdAt: z.number(),
});
/** A row of `drizzle.__drizzle_migrations` matched to its journal entry. */
export type AppliedMigration = z.infer<typeof appliedMigrationSchema>;

/** An applied migration whose file on disk no longer matches what was applied. */
export const driftItemSchema = z.object({
  revision: z.string(),
  kind: z.enum(["changed", "missing"]),
  appliedChecksum: z.string(),
  fileChecksum: z.string().optional(),
});
/** An applied migration whose file on disk no longer matches what was applied. */
export type DriftItem = z.infer<typeof driftItemSchema>;

/** A user table and its columns, read from the catalog. */
export const tableInfoSchema = z.object({
  schema: z.string(),
  name: z.string(),
  columns: z.array(
    z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), default: z.string().nullable() }),
  ),
});
/** A user table and its columns, read from the catalog. */
export type TableInfo = z.infer<typeof tableInfoSchema>;

/** The backend currently holding the migration lock. */
export const lockHolderSchema = z.object({
  pid: z.number().int(),
  applicationName: z.string(),
  clientAddr: z.string().nullable(),
  since: z.string().nullable(),
  query: z.string().nullable(),
  /** Sessions the holder is waiting on right now (`pg_blocking_pids`), their SQL without literals. */
  blockedBy: z.array(
    z.object({ pid: z.number().int(), state: z.string().nullable(), query: z.string().nullable() }),
  ),
});
/** The backend currently holding the migration lock. */
export type LockHolder = z.infer<typeof lockHolderSchema>;

/** A row of `tidemark.history`. */
export const historyRowSchema = z.object({
  id: z.number().int(),
  revision: z.string(),
  /** 'restore' and 'stamp' rows record events that are not migrations. */
  direction: z.enum(["up", "down", "restore", "stamp"]),
  checksum: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  appliedBy: z.record(z.string(), z.unknown()),
  environment: z.string(),
  status: z.enum(["ok", "failed"]),
  error: z.string().nullable(),
  backupFile: z.string().nullable(),
});
/** A row of `tidemark.history`. */
export type HistoryRow = z.infer<typeof historyRowSchema>;

/** One schema object added, removed or changed outside migrations. */
export const schemaChangeSchema = z.object({
  change: z.enum(["added", "removed", "changed"]),
  kind: z.enum(["table", "column", "constraint", "index", "enum", "view", "function", "trigger"]),
  name: z.string(),
  /** The definition recorded after the last run (absent when added). */
  before: z.string().optional(),
  /** The definition in the database now (absent when removed). */
  after: z.string().optional(),
  /** Set when compared with drizzle-kit's snapshot of this revision, for lack of a recorded schema. */
  snapshotOf: z.string().optional(),
});
/** One schema object added, removed or changed outside migrations. */
export type SchemaChange = z.infer<typeof schemaChangeSchema>;

/**
 * Live schema against the one recorded after the last run at the current revision.
 * `drifted`: objects changed outside migrations. `mismatch`: the history moved without a run
 * (a stamp, drizzle-kit migrate), so the recorded schema belongs to another revision.
 * `unrecorded`: no run has recorded a fingerprint yet, so there is nothing to compare with.
 */
export const schemaDriftSchema = z.object({
  state: z.enum(["clean", "drifted", "mismatch", "unrecorded"]),
  /** The revision whose recorded schema the live one was compared with. */
  recorded: z
    .object({
      revision: z.string().nullable(),
      recordedAt: z.string(),
      recordedBy: z.enum(["up", "down", "stamp", "restore"]),
    })
    .nullable(),
  changes: z.array(schemaChangeSchema),
  /** One sentence saying what the state means. */
  summary: z.string(),
});
/** Live schema against the one recorded after the last run. */
export type SchemaDrift = z.infer<typeof schemaDriftSchema>;

/** Everything `status` knows: the CLI prints it, the API serves it. */
export const statusReportSchema = z.object({
  database: z.string(),
  /** False when DATABASE_URL names a database that upgrade would create. */
  databaseExists: z.boolean(),
  environment: z.string(),
  current: z.string().nullable(),
  latest: z.string().nullable(),
  upToDate: z.boolean(),
  applied: z.array(appliedMigrationSchema),
  pending: z.array(z.string()),
  drift: z.array(driftItemSchema),
  /** Pending migrations whose `when` is older than the newest applied one. */
  late: z.array(z.string()),
  /** Invalid indexes left behind by an interrupted CREATE INDEX CONCURRENTLY. */
  invalidIndexes: z.array(z.string()),
  tables: z.array(tableInfoSchema),
  lockHolder: lockHolderSchema.nullable(),
  /** The newest failed run, only while it still describes the database (nothing superseded it). */
  lastFailure: historyRowSchema.nullable(),
  /** The newest failure once a later run or change superseded it: history, not the current state. */
  supersededFailure: historyRowSchema.extend({ supersededBecause: z.string() }).nullable(),
  /** The live schema against the one recorded after the last run; null when the database does not exist. */
  schemaDrift: schemaDriftSchema.nullable(),
});
/** Everything `status` knows. */
export type StatusReport = z.infer<typeof statusReportSchema>;

/** A backup in BACKUP_DIR: the dump file plus what its `.json` sidecar records. */
export const backupInfoSchema = z.object({
  /** Absolute path of the `.dump` file. */
  file: z.string(),
  /** File name of the dump, the handle users pass to `restore`. */
  name: z.string(),
  database: z.string(),
  /** The server's `pg_control_system().system_identifier`, when the role could read it. */
  systemIdentifier: z.string().optional(),
  /** Revision the database was at when dumped; null before any migration. */
  revision: z.string().nullable(),
  /** Hex sha256 of the dump; empty when the sidecar is missing. */
  sha256: z.string(),
  size: z.number(),
  /** Server version the dump was taken from; empty when the sidecar is missing. */
  serverVersion: z.string(),
  /** ISO timestamp of the dump's snapshot. */
  createdAt: z.string(),
  label: z.string().optional(),
  /** Why it was taken: "manual", "restore-point" (before a rollback), "safety" (before a restore)… */
  reason: z.string().optional(),
});
/** A backup in BACKUP_DIR. */
export type BackupInfo = z.infer<typeof backupInfoSchema>;

/** Where a dump came from, as its sidecar records it. */
export const dumpSourceSchema = z.object({
  database: z.string(),
  /** The server's system identifier, when the role that dumped could read it. */
  systemIdentifier: z.string().nullable(),
  revision: z.string().nullable(),
  createdAt: z.string(),
});
/** Where a dump came from. */
export type DumpSource = z.infer<typeof dumpSourceSchema>;

/** What a restore did. */
export const restoreReportSchema = z.object({
  /** Absolute path of the restored dump. */
  file: z.string(),
  /** The backup taken just before, the way back from this restore; null with `noBackup`. */
  safetyBackup: z.string().nullable(),
  /** Revision now in the database, read back after the restore. */
  revision: z.string().nullable(),
  /** Migrations an `upgrade` would apply now, in order. */
  pending: z.array(z.string()),
  /** Tables that exist in the database but not in the dump; `--clean` cannot know to drop them. */
  extraTables: z.array(z.string()),
  /** The database, revision and time the dump was taken from (its sidecar). */
  source: dumpSourceSchema,
});
/** What a restore did. */
export type RestoreReport = z.infer<typeof restoreReportSchema>;

/** Data a rollback would destroy, so the CLI can warn before asking. */
export interface DataLoss {
  revision: string;
  kind: "table" | "column";
  table: string;
  column?: string;
  rows: number | null;
}

/** What a rollback would do, computed before it runs. */
export interface RollbackPreview {
  from: string | null;
  to: string | null;
  steps: Migration[];
  losses: DataLoss[];
  /** Downs marked `-- tidemark:unverified` (written by adopt but not proven), with the reason. */
  unverified?: { revision: string; reason: string }[];
  /** Set when the rollback will be refused before touching anything, and why. */
  refusal?: { code: "TM_DOWN_MISSING" | "TM_DOWN_UNVERIFIED"; message: string; revisions: string[] };
}
