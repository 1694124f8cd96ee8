import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { isMissingDatabase } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { describeDatabaseUrl, redactUrls } from "../redact.js";

type Admin = ReturnType<typeof postgres>;

function open(url: string): Admin {
  return postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 0 });
}

function withPath(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The server could not be reached: name every URL tried (passwords masked) and the variable to set. */
function unreachable(tried: string[], cause: unknown): TidemarkError {
  const pg = cause as { code?: string; message?: string };
  const reason =
    pg.code === "28P01" || pg.code === "28000" ? "authentication failed" : (pg.message ?? String(cause));
  const urls = tried.map(redactUrls);
  return new TidemarkError(
    "TM_DB_UNREACHABLE",
    `Cannot connect to PostgreSQL to create a scratch database (tried ${urls.join(", then ")}): ${reason}. Start the server, or set TIDEMARK_SCRATCH_URL to a PostgreSQL server where scratch databases may be created.`,
    { cause, details: { tried: urls, pgCode: pg.code } },
  );
}

/** Connect to the server for CREATE DATABASE: the given database, else the `postgres` maintenance one. */
async function connectAdmin(serverUrl: string): Promise<{ admin: Admin; url: string }> {
  const tried: string[] = [];
  for (const url of [serverUrl, withPath(serverUrl, "postgres")]) {
    tried.push(url);
    const admin = open(url);
    try {
      await admin`select 1`;
      return { admin, url };
    } catch (cause) {
      await admin.end({ timeout: 5 });
      // The target database of a new project does not exist yet: any database on the server will do.
      if (!isMissingDatabase(cause) || url !== serverUrl) throw unreachable(tried, cause);
    }
  }
  throw new Error("unreachable");
}

/**
 * Run `fn` against a brand-new database `tm_scratch_<random>` on the server of `serverUrl`, and
 * drop it afterwards whatever happens (FORCE: a failed run may leave sessions behind).
 */
export async function withScratchDatabase<T>(serverUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const { admin, url } = await connectAdmin(serverUrl);
  const name = `tm_scratch_${randomBytes(6).toString("hex")}`;
  try {
    try {
      await admin.unsafe(`create database "${name}"`);
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      const user = decodeURIComponent(new URL(url).username) || "(current user)";
      const reason =
        code === "42501"
          ? `role "${user}" lacks the CREATEDB privilege. Grant it (ALTER ROLE "${user}" CREATEDB), or set TIDEMARK_SCRATCH_URL to a PostgreSQL server whose role may create databases (only throw-away tm_scratch_* databases are made there)`
          : (cause as Error).message;
      throw new TidemarkError(
        "TM_DB_CREATE_FAILED",
        `Cannot create the scratch database that proves a new migration on ${describeDatabaseUrl(url)}: ${reason}. Nothing was written.`,
        { cause, details: { pgCode: code, privilege: code === "42501" ? "CREATEDB" : undefined } },
      );
    }
    try {
      return await fn(withPath(url, name));
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}
