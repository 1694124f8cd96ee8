import type { SchemaDrift } from "./drift.js";
import type { Migration } from "./types.js";

/** A row of `drizzle.__drizzle_migrations` matched to its journal entry. */
export interface AppliedMigration {
  revision: string | null;
  hash: string;
  createdAt: number;
}

/** An applied migration whose file on disk no longer matches what was applied. */
export interface DriftItem {
  revision: string;
  kind: "changed" | "missing";
  appliedChecksum: string;
  fileChecksum?: string;
}

/** A user table and its columns, read from the catalog. */
export interface TableInfo {
  schema: string;
  name: string;
  columns: { name: string; type: string; nullable: boolean; default: string | null }[];
}

/** The backend currently holding the migration lock. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddr: string | null;
  since: string | null;
  query: string | null;
}

/** Everything `status` knows: the CLI prints it, the API serves it. */
export interface StatusReport {
  database: string;
  /** False when DATABASE_URL names a database that upgrade would create. */
  databaseExists: boolean;
  environment: string;
  current: string | null;
  latest: string | null;
  upToDate: boolean;
  applied: AppliedMigration[];
  pending: string[];
  drift: DriftItem[];
  /** Pending migrations whose `when` is older than the newest applied one. */
  late: string[];
  /** Invalid indexes left behind by an interrupted CREATE INDEX CONCURRENTLY. */
  invalidIndexes: string[];
  tables: TableInfo[];
  lockHolder: LockHolder | null;
  /** The newest failed run, only while it still describes the database (nothing superseded it). */
  lastFailure: HistoryRow | null;
  /** The newest failure once a later run or change superseded it: history, not the current state. */
  supersededFailure: (HistoryRow & { supersededBecause: string }) | null;
  /** The live schema against the one recorded after the last run; null when the database does not exist. */
  schemaDrift: SchemaDrift | null;
}

/** A row of `tidemark.history`. */
export interface HistoryRow {
  id: number;
  revision: string;
  /** 'restore' and 'stamp' rows record events that are not migrations. */
  direction: "up" | "down" | "restore" | "stamp";
  checksum: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  appliedBy: Record<string, unknown>;
  environment: string;
  status: "ok" | "failed";
  error: string | null;
  backupFile: string | null;
}

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
