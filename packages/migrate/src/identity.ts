import postgres from "postgres";
import { connectionError, type Sql } from "./connection.js";
import { TidemarkError } from "./errors.js";
import { databaseName } from "./redact.js";

/**
 * Which database a process serves: where its DATABASE_URL points (host, port, name) and the
 * server's `system_identifier`, which tells two clusters apart even behind the same address.
 */
export interface DatabaseIdentity {
  host: string;
  port: number;
  database: string;
  /** From `pg_control_system()`; null when the role may not read it or the server was unreachable. */
  systemIdentifier: string | null;
}

/** The part of the identity a connection string alone tells. */
export function identityFromUrl(url: string): DatabaseIdentity {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    database: databaseName(url),
    systemIdentifier: null,
  };
}

/** The server's system identifier over `sql`, or null when the role may not read it. */
export async function readSystemIdentifier(sql: Sql): Promise<string | null> {
  try {
    const [row] = await sql<{ id: string }[]>`select system_identifier::text as id from pg_control_system()`;
    return row?.id ?? null;
  } catch (err) {
    if ((err as { code?: string }).code === "42501") return null;
    throw err;
  }
}

/** The identity of the database at `url`, read over `sql` (a pool already connected to it). */
export async function readDatabaseIdentity(sql: Sql, url: string): Promise<DatabaseIdentity> {
  return { ...identityFromUrl(url), systemIdentifier: await readSystemIdentifier(sql) };
}

/**
 * The identity of the database at `url`. The database itself need not exist yet (upgrade
 * creates it): the system identifier is the server's, read from the maintenance database then.
 */
export async function databaseIdentity(url: string): Promise<DatabaseIdentity> {
  const ask = async (target: string) => {
    const sql = postgres(target, { max: 1, connect_timeout: 10, onnotice: () => {} });
    try {
      return await readSystemIdentifier(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  try {
    return { ...identityFromUrl(url), systemIdentifier: await ask(url) };
  } catch (err) {
    if ((err as { code?: string }).code !== "3D000") throw connectionError(url, err);
    const admin = new URL(url);
    admin.pathname = "/postgres";
    const id = await ask(admin.toString()).catch((cause: unknown) => {
      throw connectionError(url, cause);
    });
    return { ...identityFromUrl(url), systemIdentifier: id };
  }
}

/** `tidemark_a on 127.0.0.1:5432 (server 7714563106071005295)`. */
export function describeIdentity(id: DatabaseIdentity): string {
  return `${id.database} on ${id.host}:${id.port}${id.systemIdentifier ? ` (server ${id.systemIdentifier})` : ""}`;
}

/**
 * Same database: same name on the same server. Host strings are not compared (`localhost`,
 * `127.0.0.1` and a container name can all reach one server); the system identifier is.
 */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  if (a.database !== b.database) return false;
  // Without both identifiers (a role that may not read pg_control_system) the name is all there is.
  return !a.systemIdentifier || !b.systemIdentifier || a.systemIdentifier === b.systemIdentifier;
}

/** Refuse a job meant for another database than the one this worker serves (TM_WRONG_DATABASE). */
export function assertSameDatabase(wanted: DatabaseIdentity, served: DatabaseIdentity): void {
  if (sameDatabase(wanted, served)) return;
  throw new TidemarkError(
    "TM_WRONG_DATABASE",
    `This job is for database ${describeIdentity(wanted)}, but this worker serves ${describeIdentity(served)}. Nothing was run. Give the worker and the CLI (or API) the same DATABASE_URL, or start a worker for ${wanted.database} with its own TIDEMARK_QUEUE_PREFIX.`,
    { details: { wanted, served } },
  );
}
