/**
 * Starting points for hand-written migrations. The explanations never contain a literal
 * breakpoint marker or a line *starting* with a directive: the engine splits files on the marker
 * and reads directives from the start of lines, so a template must run as the no-op it is.
 */

// The message lands in a comment: keep it on one line so it cannot end the comment early.
function oneLine(message: string): string {
  return message.trim().replace(/\s+/g, " ");
}

/** The commented, empty up file of `create --custom`. */
export function customUpTemplate(tag: string, message: string): string {
  return `-- Migration: ${oneLine(message)}
-- Custom migration ${tag}: write the SQL for this change below. Tidemark generated no
-- statements because the schema did not change; this file runs exactly as written.
--
-- * One statement per block. Separate blocks with the marker line drizzle-kit writes between
--   generated statements: "-->" followed by a space and "statement-breakpoint".
-- * A block that starts with the comment line "-- tidemark:env production" (or a comma list,
--   e.g. "production,staging") runs only when TIDEMARK_ENV is one of those environments.
-- * If the very first line of this file is "-- tidemark:no-transaction", the migration runs
--   outside a transaction (needed for CREATE INDEX CONCURRENTLY); otherwise it is all-or-nothing.
-- * Write the inverse in ${tag}.down.sql so that \`tidemark rollback\` can undo it.
--
-- Example:
-- UPDATE "users" SET "avatar_url" = '/default-avatar.png' WHERE "avatar_url" IS NULL;
`;
}

/** The commented, empty down file of `create --custom`. */
export function customDownTemplate(tag: string, message: string): string {
  return `-- Undo: ${oneLine(message)}
-- Down migration of ${tag}: write the SQL that reverses ${tag}.sql, block for block in
-- reverse order (same breakpoint and directive rules as the up file). Leave it empty only if
-- the up changes nothing that needs undoing.
--
-- Example:
-- UPDATE "users" SET "avatar_url" = NULL WHERE "avatar_url" = '/default-avatar.png';
`;
}

/** The TypeScript migration of `create --ts`. */
export function tsTemplate(tag: string, message: string): string {
  return `/**
 * ${oneLine(message).replaceAll("*/", "* /")}
 *
 * TypeScript migration ${tag}. Tidemark imports this file and calls up(ctx) on upgrade and
 * down(ctx) on rollback, inside the migration's transaction:
 * - ctx.sql is a postgres.js \`sql\` tag bound to that transaction (throw to roll it back);
 * - ctx.env is the environment (TIDEMARK_ENV, else NODE_ENV, else "development");
 * - ctx.log is Tidemark's logger: ctx.log.info({ rows }, "backfilled avatars").
 */
import type { Sql } from "postgres";

interface MigrationContext {
  sql: Sql;
  env: string;
  log: { info(fields: object, msg?: string): void; warn(fields: object, msg?: string): void };
}

export async function up(ctx: MigrationContext): Promise<void> {
  // Example: a data change for every environment…
  // const rows = await ctx.sql\`UPDATE "users" SET "avatar_url" = '/default-avatar.png' WHERE "avatar_url" IS NULL\`;
  // ctx.log.info({ rows: rows.count }, "backfilled avatars");
  //
  // …and a step that only runs in production:
  // if (ctx.env === "production") {
  //   await ctx.sql\`ANALYZE "users"\`;
  // }
  void ctx;
}

export async function down(ctx: MigrationContext): Promise<void> {
  // Reverse what up() did, e.g.:
  // await ctx.sql\`UPDATE "users" SET "avatar_url" = NULL WHERE "avatar_url" = '/default-avatar.png'\`;
  void ctx;
}
`;
}
