import { isMissingDatabase, type Sql, withDatabase } from "../connection.js";
import { quoteIdent } from "../quote.js";
import type { Logger } from "../types.js";

/** PostgreSQL's default `search_path`: nothing to copy. */
const DEFAULT_PATH = '"$user", public';

/**
 * The `search_path` a session on the project's database gets (set with ALTER DATABASE or
 * ALTER ROLE … [IN DATABASE]), when it is not PostgreSQL's default; null otherwise, and for a
 * database that does not exist yet. Old migrations may name types only through it.
 */
export async function readSearchPath(url: string, logger: Logger): Promise<string | null> {
  try {
    const value = await withDatabase(url, async (sql) => {
      const [row] = await sql<{ search_path: string }[]>`show search_path`;
      return row?.search_path ?? DEFAULT_PATH;
    });
    return value === DEFAULT_PATH ? null : value;
  } catch (err) {
    if (!isMissingDatabase(err)) {
      logger.warn({ err }, "could not read the database's search_path; scratch databases use the default");
    }
    return null;
  }
}

/** Set `search_path` for this session; FROM CURRENT / set_config take the value as PostgreSQL printed it. */
export async function useSearchPath(sql: Sql, value: string): Promise<void> {
  await sql`select set_config('search_path', ${value}, false)`;
}

/** Give the database at `url` the `search_path` for every later session, as the project's database has. */
export async function setDatabaseSearchPath(url: string, value: string): Promise<void> {
  await withDatabase(url, async (sql) => {
    const [{ db } = { db: "" }] = await sql<{ db: string }[]>`select current_database() as db`;
    await useSearchPath(sql, value);
    await sql.unsafe(`alter database ${quoteIdent(db)} set search_path from current`);
  });
}
