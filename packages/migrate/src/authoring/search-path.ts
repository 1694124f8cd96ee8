import { isMissingDatabase, withDatabase } from "../connection.js";
import type { Logger } from "../types.js";

/** A `search_path` stored with ALTER DATABASE (role null) or ALTER ROLE … IN DATABASE. */
interface PathSetting {
  role: string | null;
  value: string;
}

async function pathSettingsOf(url: string): Promise<PathSetting[]> {
  return withDatabase(url, async (sql) => {
    const rows = await sql<{ role: string | null; cfg: string }[]>`
      select r.rolname as role, c.cfg
      from pg_db_role_setting s
      left join pg_roles r on r.oid = s.setrole
      cross join lateral unnest(s.setconfig) as c(cfg)
      where s.setdatabase = (select oid from pg_database where datname = current_database())
        and c.cfg like 'search_path=%'`;
    return rows.map((r) => ({ role: r.role, value: r.cfg.slice("search_path=".length) }));
  });
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Give the scratch database at `scratchUrl` the `search_path` the project's database has
 * (set on the database, or on a role in it), so old migrations whose unqualified type names
 * resolve only through it apply there as they do in production. Settings on a role alone
 * (ALTER ROLE … SET) already reach every database of the server. A project database that
 * does not exist yet has nothing to copy.
 */
export async function copySearchPath(sourceUrl: string, scratchUrl: string, logger: Logger): Promise<void> {
  let settings: PathSetting[];
  try {
    settings = await pathSettingsOf(sourceUrl);
  } catch (err) {
    if (!isMissingDatabase(err)) {
      logger.warn({ err }, "could not read the database's search_path; scratch databases use the default");
    }
    return;
  }
  if (settings.length === 0) return;
  await withDatabase(scratchUrl, async (sql) => {
    const [{ db } = { db: "" }] = await sql<{ db: string }[]>`select current_database() as db`;
    for (const s of settings) {
      // FROM CURRENT stores the value exactly as PostgreSQL parsed it: no quoting of our own.
      await sql`select set_config('search_path', ${s.value}, false)`;
      const target = s.role ? `role ${ident(s.role)} in database ${ident(db)}` : `database ${ident(db)}`;
      try {
        await sql.unsafe(`alter ${target} set search_path from current`);
      } catch (err) {
        logger.warn({ err, role: s.role }, "could not copy a search_path setting to the scratch database");
      }
    }
  });
}
