export type { RunReport, StepReport } from "./reports.js";

/** Who asked for a run; recorded in `tidemark.history.applied_by`. */
export interface Actor {
  via: "cli" | "api" | "worker" | "test";
  host: string;
  pid: number;
  jobId?: string;
  /** Who asked for the job the worker runs (the CLI user or API instance), for the audit trail. */
  requestedBy?: Record<string, unknown>;
}

/** The subset of a pino logger the engine uses, so any pino child fits. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** One migration on disk, as read from the drizzle-kit journal. */
export interface Migration {
  /** Position in the journal (0-based). */
  idx: number;
  /** Revision id: the journal tag, e.g. `0003_add_user_avatar_url`. */
  tag: string;
  /** The journal's `when` (ms); drizzle stores it as `created_at`. */
  when: number;
  kind: "sql" | "ts";
  /** Absolute path of the up file (`.sql` or `.ts`). */
  file: string;
  /** sha256 of the up file's bytes, exactly as drizzle-orm computes it. */
  checksum: string;
  /** Absolute path of `NNNN_tag.down.sql`, when present (TS migrations carry their own down). */
  downFile?: string;
}

/** Progress notifications, one per step boundary; the worker forwards them to BullMQ. */
export type ProgressEvent =
  | { type: "plan"; direction: "up" | "down"; revisions: string[] }
  | { type: "step-start"; revision: string; index: number; total: number }
  | { type: "step-done"; revision: string; index: number; total: number; durationMs: number }
  | { type: "retry"; revision: string; attempt: number; delayMs: number; reason: string }
  | { type: "backup"; file: string }
  /** A line a TypeScript migration wrote through `ctx.log`, so whoever waits on the run sees it. */
  | { type: "log"; revision: string; level: "info" | "warn" | "error"; message: string };

/** Options shared by every engine command. */
export interface EngineContext {
  databaseUrl: string;
  migrationsDir: string;
  environment: string;
  actor: Actor;
  logger: Logger;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  lockRetries?: number;
  /** Where restore points go; required by rollback/restore unless noBackup. */
  backupDir?: string;
  backupKeep?: number;
  /** How long to wait for another run's migration lock before failing (default in config.ts). */
  lockWaitMs?: number;
  /** A caller-owned pool for read-only commands (the API's); mutating commands open their own session. */
  sql?: import("./connection.js").Sql;
  /** The drizzle schema module (`TIDEMARK_SCHEMA_FILE`) tables are built from when there are no migrations. */
  schemaFile?: string;
  /** An already loaded drizzle schema, instead of loading `schemaFile`. */
  schema?: Record<string, unknown>;
  /**
   * Create the database when it does not exist (default true). A fleet target that is missing
   * is a mistake in the targets list, not a database to create.
   */
  createDatabase?: boolean;
}
