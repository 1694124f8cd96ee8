import postgres from "postgres";
import { connectionFailureReason } from "../connection.js";
import { isConnectionLost, TidemarkError } from "../errors.js";
import { describeDatabaseUrl, redactUrls } from "../redact.js";
import { type RawTarget, targetsInvalid } from "./validate.js";

/** How messages name the query: where it ran, never with a password. */
export function querySource(controlUrl: string): string {
  return `TIDEMARK_TARGETS_QUERY on ${describeDatabaseUrl(controlUrl)}`;
}

function controlUnreachable(controlUrl: string, cause: unknown): TidemarkError {
  const where = describeDatabaseUrl(controlUrl);
  const pg = cause as { code?: string };
  const reason = connectionFailureReason(cause);
  return new TidemarkError(
    "TM_DB_UNREACHABLE",
    `Cannot connect to the control database at ${where} to run TIDEMARK_TARGETS_QUERY: ${redactUrls(reason)}. Check TIDEMARK_CONTROL_DATABASE_URL (else DATABASE_URL) and that the server is running.`,
    { cause, details: { database: where, pgCode: pg.code } },
  );
}

type Row = Record<string, unknown>;

function entriesOf(rows: Row[], columns: string[], source: string): RawTarget[] {
  const missing = ["name", "url"].filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw targetsInvalid(source, [
      `the query must return columns name and url (and optionally password_env); it returned ${columns.join(", ") || "no columns"}`,
    ]);
  }
  return rows.map((row, i) => ({
    at: `rows[${i}]`,
    // A NULL password_env is a target without one; other columns are the query's business.
    entry: {
      name: row.name,
      url: row.url,
      ...(row.password_env === null || row.password_env === undefined
        ? {}
        : { passwordEnv: row.password_env }),
    },
  }));
}

/**
 * The rows of `query`, run in a read-only transaction on the control database, as target
 * entries (not yet validated). Zero rows is a fleet that is empty for now, not an error.
 */
export async function queryTargets(query: string, controlUrl: string): Promise<RawTarget[]> {
  const source = querySource(controlUrl);
  const sql = postgres(controlUrl, {
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: "tidemark" },
  });
  try {
    await sql`select 1`.catch((err: unknown) => {
      throw controlUnreachable(controlUrl, err);
    });
    const result = await sql
      .begin("read only", (tx) => tx.unsafe<Row[]>(query))
      .catch((err: unknown) => {
        if (isConnectionLost(err)) throw controlUnreachable(controlUrl, err);
        const message = (err as Error).message;
        throw targetsInvalid(source, [`the query failed: ${redactUrls(message)}`]);
      });
    const columns = (result as { columns?: { name: string }[] }).columns?.map((c) => c.name) ?? [];
    return entriesOf(result, columns, source);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
