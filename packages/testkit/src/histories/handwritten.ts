/**
 * The hand-written SQL real teams add to drizzle-kit migrations, which no snapshot sees, placed
 * at fixed positions of every 30-migration cycle so each history of 30+ migrations has them all.
 */

/** What a position of the cycle adds to the generated history. */
export interface Handwritten {
  /** A `--custom` migration (snapshot unchanged) instead of a random schema change. */
  custom: boolean;
  name: string;
  /** Statements appended to the migration (one per breakpoint). */
  sql: string[];
}

/** The hand-written part of migration `k` (null: a plain generated migration). */
export function handwrittenAt(k: number): Handwritten | null {
  const c = Math.floor(k / 30);
  const s = c === 0 ? "" : `_${c}`;
  switch (k % 30) {
    case 3:
      return c === 0
        ? {
            custom: false,
            name: "with_trgm_search",
            sql: [
              "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
              'CREATE INDEX IF NOT EXISTS "users_email_trgm_idx" ON "users" USING gin ("email" gin_trgm_ops);',
            ],
          }
        : null;
    case 5:
      return {
        custom: true,
        name: `updated_at_trigger${s}`,
        sql: [
          `CREATE FUNCTION set_updated_at${s}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;`,
          `CREATE TRIGGER posts_set_updated_at${s} BEFORE UPDATE ON "posts" FOR EACH ROW EXECUTE FUNCTION set_updated_at${s}();`,
        ],
      };
    case 8:
      return {
        custom: true,
        name: `recent_posts_view${s}`,
        sql: [
          `CREATE VIEW recent_posts${s} AS\n  SELECT id, title, updated_at FROM posts WHERE updated_at > now() - interval '7 days';`,
        ],
      };
    case 10:
      return {
        custom: true,
        name: `seed_admin${s}`,
        sql: [
          `INSERT INTO "users" ("email") VALUES ('admin${c}@example.com') ON CONFLICT DO NOTHING;`,
          `UPDATE "posts" SET "updated_at" = now() WHERE "updated_at" IS NULL;`,
        ],
      };
    case 12:
      return {
        custom: true,
        name: `posts_title_index_concurrently${s}`,
        sql: [
          "COMMIT;",
          "SET lock_timeout = '5s';",
          `CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_title${s}_idx" ON "posts" ("title");`,
        ],
      };
    case 15:
      return {
        custom: true,
        name: `touch_only_changed_rows${s}`,
        sql: [
          `CREATE OR REPLACE FUNCTION set_updated_at${s}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF NEW IS DISTINCT FROM OLD THEN\n    NEW.updated_at := now();\n  END IF;\n  RETURN NEW;\nEND;\n$$;`,
        ],
      };
    case 18:
      return {
        custom: true,
        name: `normalize_emails${s}`,
        sql: [
          `DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM "users" WHERE "email" <> lower("email")) THEN\n    UPDATE "users" SET "email" = lower("email");\n  END IF;\nEND\n$$;`,
        ],
      };
    case 20:
      return {
        custom: true,
        name: `priority_type${s}`,
        sql: [`CREATE TYPE priority${s} AS ENUM ('low', 'normal', 'high');`],
      };
    case 22:
      return {
        custom: true,
        name: `drop_posts_title_index${s}`,
        sql: ["COMMIT;", `DROP INDEX CONCURRENTLY IF EXISTS "posts_title${s}_idx";`],
      };
    default:
      return null;
  }
}

/** Journal positions after which the idx jumps by one (a deleted, never-merged migration). */
export const gapAfter = (k: number) => k % 30 === 7;

/** Migrations whose snapshot file goes missing (lost in a merge). */
export const snapshotLost = (k: number) => k % 30 === 13;

/** A stray file left where the gap is: written, then removed from the journal. */
export function strayFile(idx: number): { name: string; sql: string } {
  return {
    name: `${String(idx).padStart(4, "0")}_abandoned_backfill.sql`,
    sql: `UPDATE "posts" SET "title" = trim("title");\n`,
  };
}
