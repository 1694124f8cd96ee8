import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Sql, withDatabase } from "../connection.js";
import { TidemarkError } from "../errors.js";
import { redactUrls } from "../redact.js";

/** Where to find the PostgreSQL client binaries. */
export interface PgToolOptions {
  /** Directory holding `pg_dump` and `pg_restore`; default: whatever `PATH` finds. */
  pgBin?: string;
}

/** How one run of a client program is set up. */
export interface RunToolOptions {
  /** Where stdout goes (a dump file); default: returned as a string. */
  stdoutFd?: number;
  /** Server major version, to name the package to install when the tool is missing. */
  serverMajor?: number;
  /** Kills the tool when aborted. */
  signal?: AbortSignal;
}

/** The PostgreSQL client programs Tidemark runs. */
export type PgTool = "pg_dump" | "pg_restore";

/** A client program that ran but exited non-zero; callers turn it into their own error code. */
export class PgToolFailure extends Error {
  override name = "PgToolFailure";
  constructor(
    readonly tool: PgTool,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${tool} exited with ${exitCode ?? "a signal"}: ${stderr.trim() || "(no output)"}`);
  }
}

// Enough of stderr to explain a failure without buffering a runaway stream.
const STDERR_LIMIT = 64 * 1024;

/**
 * Run `tool` with `args`; stdout goes to `stdoutFd` when given (a dump file), else is returned.
 * A missing binary is TM_PG_TOOL naming the package to install (`serverMajor` picks its version).
 */
export function runPgTool(
  tool: PgTool,
  args: string[],
  options: PgToolOptions & RunToolOptions = {},
): Promise<string> {
  const command = options.pgBin ? path.join(options.pgBin, tool) : tool;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", options.stdoutFd ?? "pipe", "pipe"],
    });
    // Aborting kills the tool: its backend then rolls back whatever it had begun.
    const onAbort = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("close", () => options.signal?.removeEventListener("abort", onAbort));
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      err = (err + chunk.toString("utf8")).slice(-STDERR_LIMIT);
    });
    child.on("error", (cause: NodeJS.ErrnoException) => {
      if (cause.code === "ENOENT") reject(missingTool(tool, options.pgBin, options.serverMajor, cause));
      else reject(cause);
    });
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new PgToolFailure(tool, code, redactUrls(err)));
    });
  });
}

function missingTool(
  tool: PgTool,
  pgBin: string | undefined,
  serverMajor: number | undefined,
  cause: unknown,
) {
  const pkg = `postgresql-client-${serverMajor ?? "<server major version>"}`;
  const where = pgBin ? `in ${pgBin}` : "on PATH";
  return new TidemarkError(
    "TM_PG_TOOL",
    `${tool} was not found ${where}. Install the PostgreSQL client tools (e.g. \`apt-get install ${pkg}\`) and make sure ${tool} is on PATH.`,
    { cause, details: { tool, pgBin: pgBin ?? null, package: pkg } },
  );
}

/**
 * Give `fn` a connection string for the client tools that carries no password: a password in
 * `databaseUrl` moves to a temporary 0600 pgpass file (libpq's `passfile` parameter), so it never
 * shows up in a process listing. The file is removed afterwards.
 */
export async function withToolConnection<T>(
  databaseUrl: string,
  fn: (dbname: string) => Promise<T>,
): Promise<T> {
  const url = new URL(databaseUrl);
  if (!url.password) return fn(url.toString());
  const password = decodeURIComponent(url.password);
  url.password = "";
  const dir = await mkdtemp(path.join(tmpdir(), "tidemark-pgpass-"));
  try {
    const passfile = path.join(dir, "pgpass");
    // pgpass fields escape `\` and `:`; wildcards match whatever host/port/db/user the URL names.
    const escaped = password.replace(/[\\:]/g, (c) => `\\${c}`);
    await writeFile(passfile, `*:*:*:*:${escaped}\n`, { mode: 0o600, flag: "wx" });
    url.searchParams.set("passfile", passfile);
    return await fn(url.toString());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Major version of a `pg_dump --version` line or a `server_version` setting (`15.20 (Debian…)`). */
export function majorVersion(text: string): number | null {
  const m = /(\d+)(?:\.\d+)?/.exec(text.replace(/^.*\(PostgreSQL\)\s*/, ""));
  return m?.[1] ? Number(m[1]) : null;
}

/** The server's version string and major version, read on an open session. */
export async function serverVersion(sql: Sql): Promise<{ version: string; major: number }> {
  const [row] = await sql<{ version: string; num: string }[]>`
    select current_setting('server_version') as version, current_setting('server_version_num') as num`;
  if (!row) throw new TidemarkError("TM_INTERNAL", "The server did not report its version.");
  return { version: row.version, major: Math.floor(Number(row.num) / 10000) };
}

// `--version` answers, per binary. Spawning two processes costs tens of milliseconds on every
// backup of a long-lived worker; only answers that passed are reused, so an upgraded server is
// always checked against a fresh answer.
const versionCache = new Map<string, string>();

async function toolVersion(tool: PgTool, options: PgToolOptions, serverMajor: number): Promise<string> {
  const key = options.pgBin ? path.join(options.pgBin, tool) : tool;
  const cached = versionCache.get(key);
  if (cached !== undefined && (majorVersion(cached) ?? 0) >= serverMajor) return cached;
  const line = await runPgTool(tool, ["--version"], { ...options, serverMajor });
  versionCache.set(key, line);
  return line;
}

/**
 * Check that `pg_dump` and `pg_restore` exist and are at least the server's major version
 * (an older pg_dump refuses to dump a newer server). Returns the client and server versions.
 */
export async function checkPgToolsOn(
  sql: Sql,
  options: PgToolOptions = {},
): Promise<{ client: string; server: string }> {
  const server = await serverVersion(sql);
  const tools: PgTool[] = ["pg_dump", "pg_restore"];
  const versions = await Promise.all(tools.map((tool) => toolVersion(tool, options, server.major)));
  for (const [i, line] of versions.entries()) {
    const tool = tools[i] as PgTool;
    const major = majorVersion(line);
    if (major === null || major < server.major) {
      throw new TidemarkError(
        "TM_PG_TOOL",
        `${tool} is version ${line.trim() || "unknown"} but the server runs PostgreSQL ${server.version}; ` +
          `${tool} ${server.major} or newer is needed. Install postgresql-client-${server.major} and put its bin directory first on PATH.`,
        { details: { tool, client: line.trim(), server: server.version, needed: server.major } },
      );
    }
  }
  const client = (versions[0] ?? "").trim().replace(/^pg_dump\s*\(PostgreSQL\)\s*/, "");
  return { client, server: server.version };
}

/** Check that the installed `pg_dump`/`pg_restore` can handle the server behind `databaseUrl`. */
export async function checkPgTools(
  databaseUrl: string,
  options: PgToolOptions = {},
): Promise<{ client: string; server: string }> {
  return withDatabase(databaseUrl, (sql) => checkPgToolsOn(sql, options));
}
