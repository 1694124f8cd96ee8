/**
 * The `.sql` file written next to a TypeScript migration. drizzle-kit's `migrate` and
 * drizzle-orm's `migrate()` read `NNNN_tag.sql` for every journal entry and cannot run
 * TypeScript; without this file they fail on the journal's missing `NNNN_tag.sql`. With it they
 * stop inside their transaction (nothing pending is kept) on an error that says what to do.
 * drizzle-orm's `migrate()` throws that error; drizzle-kit 0.31's `migrate` command prints no
 * migration error at all (its spinner swallows every one and exits 1), so the message is also
 * raised first as a WARNING, which postgres.js prints by default, and stands in the file's
 * header for whoever opens the file. Tidemark runs the `.ts` of a tag that has both (journal.ts).
 */
import { TS_GUARD_MARKER } from "../journal.js";

/** The error the guard raises in drizzle-kit/drizzle-orm, naming the migration. */
export function tsGuardMessage(tag: string): string {
  return `${tag} is a TypeScript migration: apply this folder with Tidemark (pnpm cli upgrade), not drizzle-kit migrate`;
}

/** The guard `.sql` for the TypeScript migration `tag`. */
export function tsGuardSql(tag: string): string {
  // Tags are drizzle-kit's `NNNN_slug` ([a-z0-9_]), but escape quotes anyway: this is SQL.
  const message = tsGuardMessage(tag).replaceAll("'", "''");
  return `${TS_GUARD_MARKER} ${tag}.ts
-- ${tag} is written in TypeScript (${tag}.ts); Tidemark runs that file and ignores this one.
-- drizzle-kit migrate and drizzle-orm's migrate() cannot run TypeScript: this statement stops
-- them with this error instead (their transaction rolls back, nothing pending is applied).
-- Keep this file: without it they fail on the missing ${tag}.sql with no hint of the cause.
DO $$ BEGIN RAISE WARNING '${message}'; RAISE EXCEPTION '${message}'; END $$;
`;
}
