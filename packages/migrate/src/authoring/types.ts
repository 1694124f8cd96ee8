import type { Logger, RunReport } from "../types.js";
import type { PlannedDrop } from "./drops.js";
import type { UnverifiedDown } from "./unverified.js";

/**
 * A rename drizzle-kit cannot decide on its own: an object appeared while others of the same
 * kind disappeared. Table names are `table` for the public schema, `schema.table` otherwise.
 */
export type RenameQuestion = (
  | { kind: "table"; created: string; candidates: string[] }
  | { kind: "column"; table: string; created: string; candidates: string[] }
) & {
  /**
   * The candidates that are dropped, with their data, if this object is answered "create": all
   * of them when it is the last new object of its kind, none while later new objects can still
   * be answered as their rename.
   */
  droppedIfCreated: string[];
};

/** The answer to a {@link RenameQuestion}: `from` is one of its candidates, or the object is new. */
export type RenameAnswer = { action: "rename"; from: string } | { action: "create" };

/** Renames decided up front (the CLI's `--rename users.email=email_address`, `--rename-table old=new`). */
export interface RenameOptions {
  /** `"table.column"` (or `"schema.table.column"`) → new column name. */
  columns?: Record<string, string>;
  /** Old table name (optionally `schema.`-qualified) → new table name. */
  tables?: Record<string, string>;
}

/** Options of {@link createMigration}. */
export interface CreateOptions {
  /** The drizzle-kit migrations folder (`out` of drizzle.config). */
  migrationsDir: string;
  /** The TypeScript (or JavaScript) module exporting the drizzle schema. */
  schemaFile: string;
  /** What the migration does; becomes the snake_case tag. Non-empty, at most 100 characters. */
  message: string;
  /** Write an empty, commented SQL migration for hand-written data changes. */
  custom?: boolean;
  /** Write a TypeScript migration exporting `up(ctx)` and `down(ctx)`. */
  ts?: boolean;
  renames?: RenameOptions;
  /** Asked for every ambiguous rename not covered by `renames` (a TTY prompt); without it, they fail. */
  resolveRename?: (question: RenameQuestion) => Promise<RenameAnswer>;
  /**
   * Write drops of tables/columns (which running code may still read) without asking. Otherwise
   * `confirmDrops` is asked (a TTY prompt; it throws to refuse) and, without it, create refuses.
   * Drops let through either way are recorded as accepted in the lint baseline.
   */
  allowDrop?: boolean;
  confirmDrops?: (drops: PlannedDrop[]) => Promise<void>;
  /** Server to create scratch databases on; default: the server of `databaseUrl`. */
  scratchUrl?: string;
  databaseUrl: string;
  logger: Logger;
}

/** A statement that loses data or may fail on existing rows, and why. */
export interface DestructiveStatement {
  statement: string;
  reason: string;
}

/** What {@link createMigration} did; the CLI prints it. */
export interface CreateResult {
  status: "created" | "no-changes";
  /** The new revision id (journal tag), when created. */
  revision?: string;
  /** Absolute paths of the files written (journal included). */
  files: string[];
  upSql: string[];
  downSql: string[];
  destructive: DestructiveStatement[];
  /** True when up and down were proven on a scratch database (schema migrations only). */
  validated: boolean;
  /** Set when the up was proven but the generated down failed: it was written marked for editing. */
  unverifiedDown?: UnverifiedDown;
  /** Lint rules of the new migration recorded in the lint baseline because the author confirmed them (a rename, a drop). */
  baselined?: string[];
  /** What drizzle-kit accepts in the folder but a person should know (a stray file…). */
  warnings?: string[];
}

/** Options of {@link initProject}. */
export interface InitOptions {
  migrationsDir: string;
  schemaFile: string;
  databaseUrl: string;
  logger: Logger;
  /** The database already has the tables: record the baseline as applied instead of asking. */
  stampExisting?: boolean;
  /** Server for scratch databases, as in {@link CreateOptions.scratchUrl}. */
  scratchUrl?: string;
}

/** What {@link initProject} found and did. */
export interface InitResult {
  /**
   * `initialized`: baseline written and applied; `needs-stamp`: the database already has the
   * model's tables, nothing was written (ask, then call again with `stampExisting`); `stamped`:
   * baseline written and recorded as applied; `already-initialized`: the folder has migrations.
   */
  status: "initialized" | "needs-stamp" | "stamped" | "already-initialized";
  /** The baseline revision, when one exists. */
  revision?: string;
  /** Model tables found in the database (`schema.table`). */
  existingTables: string[];
  /** The baseline migration, when this call wrote one. */
  created?: CreateResult;
  /** The upgrade that applied the baseline, for `initialized`. */
  applied?: RunReport;
}
