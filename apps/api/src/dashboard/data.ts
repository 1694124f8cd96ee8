import { readFile } from "node:fs/promises";
import path from "node:path";
import type { JobView } from "@tidemark/jobs";
import {
  type BackupInfo,
  type EngineContext,
  type HistoryRow,
  history,
  identityFromUrl,
  listBackups,
  parseScript,
  readMigrations,
  readUnverifiedReason,
  withReader,
} from "@tidemark/migrate";
import type { BootSnapshot } from "../boot.js";
import type { Memo } from "../cache.js";
import type { QueueHandle } from "../queue.js";
import type { CachedStatus, StatusCore } from "../status-report.js";

/** Where the database is, without credentials: host, port and name only. */
export interface DbLabel {
  host: string;
  port: number;
  name: string;
}

/** A pending migration as the page expands it. */
export interface PendingDetail {
  revision: string;
  sql: string;
  down: "proven" | "unverified" | "missing" | "in-code";
  unverifiedReason: string | null;
}

/** Everything a signed-in viewer sees; each part that could not be read carries why. */
export interface DashboardData {
  core: StatusCore;
  boot: BootSnapshot;
  db: DbLabel;
  pending: PendingDetail[];
  history: HistoryRow[] | string;
  backups: BackupInfo[] | string;
  jobs: JobView[] | string;
  rows: Map<string, number>;
  /** The statement the current failure names, read from its file as the file is now. */
  failedStatement: { line: number; sql: string } | null;
}

/** What the dashboard reads through. */
export interface DataDeps {
  ctx: EngineContext;
  status: Memo<CachedStatus>;
  queue: QueueHandle;
  boot: () => BootSnapshot;
}

/** How long the job list may take (Redis may be down): the page must still render. */
const JOBS_TIMEOUT_MS = 1000;

/** The database's host, port and name; the URL's password never leaves this function. */
export function dbLabel(ctx: EngineContext): DbLabel {
  const id = identityFromUrl(ctx.databaseUrl);
  return { host: id.host, port: id.port, name: id.database };
}

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function pendingDetails(ctx: EngineContext, pending: string[]): Promise<PendingDetail[]> {
  if (pending.length === 0) return [];
  const migrations = await readMigrations(ctx.migrationsDir);
  const wanted = migrations.filter((m) => pending.includes(m.tag));
  return Promise.all(
    wanted.map(async (m) => {
      const reason = m.downFile ? await readUnverifiedReason(m.downFile) : null;
      let down: PendingDetail["down"] = m.downFile ? (reason ? "unverified" : "proven") : "missing";
      if (m.kind === "ts") down = "in-code";
      return { revision: m.tag, sql: await readFile(m.file, "utf8"), down, unverifiedReason: reason };
    }),
  );
}

/**
 * The statement a failure message names ("line L of FILE"), read from that file now: the SQL
 * a person has to fix. Only files inside the migrations folder are read.
 */
async function failedStatement(ctx: EngineContext, error: string | null | undefined) {
  const m = /line (\d+) of (\S+\.sql)\)/.exec(error ?? "");
  if (!m) return null;
  const file = path.resolve(m[2] as string);
  if (!file.startsWith(path.resolve(ctx.migrationsDir) + path.sep)) return null;
  const line = Number(m[1]);
  const { blocks } = await parseScript(await readFile(file, "utf8"));
  const block = blocks.filter((b) => b.line <= line).at(-1);
  return block ? { line: block.line, sql: block.sql.trim() } : null;
}

/** Row estimates from the planner's statistics (`pg_class.reltuples`), keyed `schema.table`. */
async function rowEstimates(ctx: EngineContext): Promise<Map<string, number>> {
  const rows = await withReader(
    ctx,
    (sql) =>
      sql<{ key: string; rows: number }[]>`
      select n.nspname || '.' || c.relname as key, c.reltuples::float8 as rows
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p')`,
  );
  return new Map(rows.map((r) => [r.key, r.rows]));
}

/** `p`, or a rejection after `ms` (Redis or a target may hang): the page must still render. */
export function timeout<T>(p: Promise<T>, ms: number, what = "Redis"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Read everything a signed-in viewer sees; a part that fails shows its reason, not a 500. */
export async function readDashboard(deps: DataDeps): Promise<DashboardData> {
  const { core } = await deps.status.get();
  const [pending, hist, backups, jobs, rows, failed] = await Promise.all([
    pendingDetails(deps.ctx, core.pending).catch(() => []),
    history(deps.ctx, { limit: 30 }).catch(why),
    deps.ctx.backupDir
      ? listBackups(deps.ctx.backupDir).catch(why)
      : Promise.resolve("BACKUP_DIR is not set"),
    timeout(
      deps.queue.get().then((q) => q.listJobs({ limit: 15 })),
      JOBS_TIMEOUT_MS,
    ).catch(why),
    core.databaseExists
      ? rowEstimates(deps.ctx).catch(() => new Map<string, number>())
      : new Map<string, number>(),
    failedStatement(deps.ctx, core.lastFailure?.error).catch(() => null),
  ]);
  const db = dbLabel(deps.ctx);
  return {
    core,
    boot: deps.boot(),
    db,
    pending,
    history: hist,
    backups,
    jobs,
    rows,
    failedStatement: failed,
  };
}
