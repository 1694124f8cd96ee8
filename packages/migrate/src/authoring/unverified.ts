/**
 * A generated down that fails on the scratch database is not a reason to refuse the whole
 * migration: its up is proven. create writes it with the down marked for hand-editing, the
 * convention `adopt` uses for downs it cannot prove: the first line is
 * `-- tidemark:unverified <reason>`, `rollback` refuses such a down unless
 * `--accept-unverified`, and deleting the line after fixing the down accepts it.
 */
import path from "node:path";
import { isTidemarkError } from "../errors.js";
import type { PlannedMigration } from "./writer.js";

/** The first line of a down nobody has proven yet. */
export const UNVERIFIED_MARKER = "-- tidemark:unverified";

/** Why a generated down could not be proven, and exactly what to edit. */
export interface UnverifiedDown {
  /** One line, after the marker: the failing statement and PostgreSQL's reason. */
  reason: string;
  /** The down file as it will be written (absolute path). */
  file: string;
  /** 1-based statement number and the line of the written file it starts on. */
  statement?: number;
  line?: number;
  /** PostgreSQL's error for that statement. */
  error: string;
}

/**
 * The down failure of `validateMigration` as an {@link UnverifiedDown} of `tag` in `dir`, or
 * null for any other error (which create lets through: nothing is written then).
 */
export function unverifiedDownOf(err: unknown, dir: string, tag: string): UnverifiedDown | null {
  if (!isTidemarkError(err) || err.code !== "TM_GENERATE_FAILED" || err.details.step !== "down") return null;
  const cause = err.cause;
  const fields = isTidemarkError(cause) ? cause.details : {};
  const statement = typeof fields.statementIndex === "number" ? fields.statementIndex : undefined;
  // The marker line comes first in the written file: every statement starts one line later.
  const line = typeof fields.line === "number" ? fields.line + 1 : undefined;
  const error = String(fields.pgMessage ?? (cause as Error | undefined)?.message ?? err.message)
    .replace(/\s+/g, " ")
    .trim();
  const where = statement ? `statement ${statement} (line ${line})` : "it";
  return {
    reason: `generated down fails on a scratch database after the up: ${where}: ${error}`,
    file: path.join(dir, `${tag}.down.sql`),
    statement,
    line,
    error,
  };
}

/** `planned` with its down file marked as unverified, the reason on the marker line. */
export function markDownUnverified(planned: PlannedMigration, unverified: UnverifiedDown): PlannedMigration {
  const name = `${planned.tag}.down.sql`;
  return {
    ...planned,
    files: planned.files.map((f) =>
      f.relative === name ? { ...f, content: `${UNVERIFIED_MARKER} ${unverified.reason}\n${f.content}` } : f,
    ),
  };
}
