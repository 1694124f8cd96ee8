import type { LintSeverity } from "./types.js";

/** One entry of the rule catalogue: what a rule checks, how bad it is and what to do instead. */
export interface LintRule {
  /** Stable kebab-case code, used in findings and in `-- tidemark:allow <code>`. */
  code: string;
  severity: LintSeverity;
  /** One line: what the rule flags. */
  summary: string;
  /** Why the flagged statement is risky (shown under every finding). */
  why: string;
  /** The safe alternative (shown under every finding). */
  fix: string;
  /** Why this severity: the reviewer's decision, written down. */
  rationale: string;
}

/*
 * Severity policy (the same call a strong_migrations / squawk reviewer makes):
 * - error: the statement loses data, fails outright on a table that has rows, or breaks the
 *   application version that is still running during the deploy;
 * - warning: the statement is correct but takes a lock for a time proportional to the table
 *   size; fine on small tables, an outage on big ones. Lint cannot know the size, so it warns.
 */
const catalogue = [
  {
    code: "drop-table",
    severity: "error",
    summary: "DROP TABLE on a table that was not created in the same migration",
    why: "Every row of the table is deleted and cannot be recovered without a backup; code that still queries the table fails.",
    fix: 'Two deploys. First remove the table from the schema and every query of it, and deploy that code without creating a migration (the table stays; nothing reads it). Then `pnpm cli create "Drop <table>" --allow-drop` (on a terminal, confirm the prompt instead), `pnpm cli backup`, `pnpm cli upgrade`; mark the statement `-- tidemark:allow drop-table` once reviewed.',
    rationale: "data loss",
  },
  {
    code: "drop-column",
    severity: "error",
    summary: "ALTER TABLE … DROP COLUMN",
    why: "The column's values are lost; the running app (and drizzle's generated SELECTs) still name the column and fail until the new code is deployed.",
    fix: 'Two deploys. First remove the column from the schema and the code, and deploy that code without creating a migration (the column stays; nothing reads it; a NOT NULL column without a default must first become nullable, in a migration of its own, or the new code\'s inserts fail). Then `pnpm cli create "Drop <table>.<column>" --allow-drop` (on a terminal, confirm the prompt instead) and `pnpm cli upgrade`; mark the statement `-- tidemark:allow drop-column` once reviewed.',
    rationale: "data loss",
  },
  {
    code: "narrow-type",
    severity: "error",
    summary:
      "ALTER COLUMN … TYPE to a type that holds less (shorter varchar, smaller integer, fewer decimals, date from timestamp…)",
    why: "Existing values that do not fit make the migration fail halfway through the rewrite, or are silently rounded or truncated (numeric scale, timestamp → date).",
    fix: "Check the data first (`SELECT count(*) … WHERE length(col) > n`), or add a new column of the narrower type, backfill it with an explicit conversion, and switch over.",
    rationale: "may fail or lose data",
  },
  {
    code: "set-not-null",
    severity: "warning",
    summary: "ALTER COLUMN … SET NOT NULL on an existing table",
    why: "PostgreSQL scans the whole table to check for NULLs while holding an ACCESS EXCLUSIVE lock: reads and writes wait for the scan. It fails if any NULL remains.",
    fix: "Add `CHECK (col IS NOT NULL) NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration, then `SET NOT NULL` (PostgreSQL 12+ uses the valid check and skips the scan) and drop the check.",
    rationale: "lock held for a full scan",
  },
  {
    code: "add-not-null-column-without-default",
    severity: "error",
    summary: "ADD COLUMN … NOT NULL without a DEFAULT on an existing table",
    why: "On a table with rows the statement fails (existing rows would be NULL), so the deploy stops; it only works while the table is empty.",
    fix: "Add the column with a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, then set NOT NULL the safe way.",
    rationale: "fails on any table with rows",
  },
  {
    code: "create-index-not-concurrently",
    severity: "warning",
    summary: "CREATE INDEX (or ADD UNIQUE / PRIMARY KEY) without CONCURRENTLY on an existing table",
    why: "Building the index holds a SHARE lock that blocks every INSERT, UPDATE and DELETE on the table until the build finishes.",
    fix: "Use `CREATE INDEX CONCURRENTLY` in its own migration (Tidemark runs it outside a transaction); for a constraint, build the unique index concurrently and then `ADD CONSTRAINT … USING INDEX`.",
    rationale: "write lock for the whole build",
  },
  {
    code: "concurrently-in-transaction",
    severity: "error",
    summary: "CREATE/DROP/REINDEX … CONCURRENTLY or DETACH PARTITION CONCURRENTLY inside a transaction",
    why: "PostgreSQL refuses concurrent operations inside a transaction block, so the migration fails.",
    fix: "Put the statement in its own migration whose first line is `-- tidemark:no-transaction` (a migration with a CONCURRENTLY statement, VACUUM or its own COMMIT already runs outside a transaction, statement by statement), and remove explicit BEGIN/COMMIT around it.",
    rationale: "always fails",
  },
  {
    code: "fk-without-not-valid",
    severity: "warning",
    summary: "ADD FOREIGN KEY without NOT VALID on an existing table (or validated in the same transaction)",
    why: "Adding a validated foreign key scans the whole table while holding a lock that blocks writes on both tables.",
    fix: "`ADD CONSTRAINT … FOREIGN KEY … NOT VALID` (instant), then `ALTER TABLE … VALIDATE CONSTRAINT …` in a separate migration (it only takes a SHARE UPDATE EXCLUSIVE lock).",
    rationale: "write lock on two tables for a full scan",
  },
  {
    code: "check-without-not-valid",
    severity: "warning",
    summary: "ADD CHECK without NOT VALID on an existing table (or validated in the same transaction)",
    why: "Adding a validated check constraint scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait.",
    fix: "`ADD CONSTRAINT … CHECK (…) NOT VALID` (instant), then `VALIDATE CONSTRAINT` in a separate migration.",
    rationale: "full lock for a full scan",
  },
  {
    code: "type-change-rewrites-table",
    severity: "warning",
    summary:
      "ALTER COLUMN … TYPE that rewrites the table (anything but widening varchar/numeric or dropping a limit)",
    why: "The table and all its indexes are rewritten under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite.",
    fix: "Add a new column of the new type, backfill it in batches, switch the code over, then drop the old column; widening varchar(n) or moving to text does not rewrite.",
    rationale: "full lock for a full rewrite",
  },
  {
    code: "rename-column",
    severity: "error",
    summary: "ALTER TABLE … RENAME COLUMN on an existing table",
    why: "The application version still running during the deploy queries the old name and fails until every instance runs the new code.",
    fix: "Add the new column, write to both, backfill, switch reads, then drop the old column later; or keep the database name and rename only in the drizzle schema (`text('new_name')` → column `old_name`).",
    rationale: "breaks the running app",
  },
  {
    code: "rename-table",
    severity: "error",
    summary: "ALTER TABLE … RENAME TO on an existing table",
    why: "The application version still running during the deploy queries the old name and fails until every instance runs the new code.",
    fix: "Create the new table (or a view named after the old one), migrate the code, then drop the old name later; or keep the database name and rename only in the drizzle schema.",
    rationale: "breaks the running app",
  },
  {
    code: "delete-without-where",
    severity: "error",
    summary: "DELETE without WHERE on a table that was not created in the same migration",
    why: "Every row of the table is deleted; in a migration this is almost always a mistake or belongs in a one-off script.",
    fix: "Add a WHERE clause that names the rows to remove; if emptying the table is really intended, say so with `-- tidemark:allow delete-without-where`.",
    rationale: "data loss",
  },
  {
    code: "truncate",
    severity: "error",
    summary: "TRUNCATE on a table that was not created in the same migration",
    why: "Every row is deleted (and CASCADE empties referencing tables too) under an ACCESS EXCLUSIVE lock; the data cannot be recovered without a backup.",
    fix: "Delete only the rows you mean with `DELETE … WHERE`; if emptying the table is really intended, say so with `-- tidemark:allow truncate`.",
    rationale: "data loss",
  },
  {
    code: "missing-down",
    severity: "warning",
    summary: "SQL migration without a NNNN_tag.down.sql beside it",
    why: "`tidemark rollback` cannot undo this migration; the only way back is restoring a backup.",
    fix: "Write the reverse statements into NNNN_tag.down.sql (Tidemark's `create` generates it from the snapshots).",
    rationale: "no data at risk, but no way back",
  },
  {
    code: "syntax-error",
    severity: "error",
    summary: "The file does not parse as PostgreSQL SQL",
    why: "PostgreSQL will reject the statement, so the migration fails when it is applied.",
    fix: "Fix the SQL near the reported line; run it against a scratch database to check.",
    rationale: "always fails",
  },
] as const satisfies readonly LintRule[];

/** Every rule code Tidemark's linter can report. */
export type LintRuleCode = (typeof catalogue)[number]["code"];

/** The rule catalogue, in documentation order, so the CLI, docs and tests can enumerate it. */
export const lintRules: readonly LintRule[] = catalogue;

const byCode = new Map<string, LintRule>(catalogue.map((r) => [r.code, r]));

/** Look a rule up by code; undefined for unknown codes (e.g. a typo in an allow comment). */
export function findLintRule(code: string): LintRule | undefined {
  return byCode.get(code);
}

/** Catalogue entry of a code known to exist (internal callers pass literal codes). */
export function ruleOf(code: LintRuleCode): LintRule {
  const rule = byCode.get(code);
  if (!rule) throw new Error(`unknown lint rule ${code}`);
  return rule;
}
