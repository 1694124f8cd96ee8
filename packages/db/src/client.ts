import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.js";

/** Options for {@link createDb}. */
export interface DbOptions {
  /** Pool size; the API keeps it small because migrations run elsewhere. */
  max?: number;
}

/** A drizzle client over postgres.js, plus the underlying `sql` so callers can close it. */
export function createDb(databaseUrl: string, options: DbOptions = {}) {
  const sql = postgres(databaseUrl, { max: options.max ?? 10, onnotice: () => {} });
  return { db: drizzle(sql, { schema }), sql };
}

export type Db = ReturnType<typeof createDb>["db"];
