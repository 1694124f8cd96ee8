import {
  type EngineContext,
  type LintReport,
  lintMigrations,
  readMigrations,
  type StatusReport,
  status,
} from "@tidemark/migrate";
import type { BootSnapshot } from "./boot.js";
import { type Memo, memo } from "./cache.js";
import { readWithFallback } from "./engine-context.js";
import type { QueueHandle } from "./queue.js";

/** Status is cached this long: one round of catalog queries per second at most, whatever the load. */
export const STATUS_TTL_MS = 1000;

/** A queue probe never holds a status request longer than this (Redis may be down); loading BullMQ the first time is not counted. */
export const QUEUE_PROBE_TIMEOUT_MS = 1000;

/** Queue counts, or null with the reason when Redis cannot be asked. */
export interface QueueInfo {
  counts: Record<string, number> | null;
  reason: string | null;
}

/** `GET /migrations/status`: the engine's report plus lint findings, queue counts and boot state. */
export interface ApiStatus extends StatusReport {
  /** Findings for pending migrations; null with `lintError` when lint could not run. */
  lint: Pick<LintReport, "findings" | "errors" | "warnings"> | null;
  lintError: string | null;
  queue: QueueInfo;
  boot: BootSnapshot;
  generatedAt: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function queueInfo(queue: QueueHandle): Promise<QueueInfo> {
  try {
    const q = await queue.get();
    const counts = await withTimeout(q.counts(), QUEUE_PROBE_TIMEOUT_MS, "Redis");
    return { counts: { ...counts }, reason: null };
  } catch (err) {
    return { counts: null, reason: `queue unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function lintPending(ctx: EngineContext, pending: string[]) {
  if (pending.length === 0) return { lint: { findings: [], errors: 0, warnings: 0 }, lintError: null };
  try {
    const report = await lintMigrations(await readMigrations(ctx.migrationsDir), { revisions: pending });
    return {
      lint: { findings: report.findings, errors: report.errors, warnings: report.warnings },
      lintError: null,
    };
  } catch (err) {
    return { lint: null, lintError: err instanceof Error ? err.message : String(err) };
  }
}

/** The memoized part of {@link ApiStatus} (the boot state is live, added per request). */
export type StatusCore = Omit<ApiStatus, "boot">;

/** A cached status and its JSON without the closing brace, so a request only appends `boot`. */
export interface CachedStatus {
  core: StatusCore;
  jsonPrefix: string;
}

/** The memoized status shared by `/migrations/status` and `/metrics`. */
export function statusSource(deps: { ctx: EngineContext; queue: QueueHandle }): Memo<CachedStatus> {
  return memo(async () => {
    const [report, queue] = await Promise.all([readWithFallback(deps.ctx, status), queueInfo(deps.queue)]);
    const core: StatusCore = {
      ...report,
      ...(await lintPending(deps.ctx, report.pending)),
      queue,
      generatedAt: new Date().toISOString(),
    };
    // Serialized once per TTL rather than once per request: the report is the bulk of the answer.
    return { core, jsonPrefix: JSON.stringify(core).slice(0, -1) };
  }, STATUS_TTL_MS);
}

/** The full `/migrations/status` body: the cached report plus the live boot state. */
export function statusJson(cached: CachedStatus, boot: BootSnapshot): string {
  return `${cached.jsonPrefix},"boot":${JSON.stringify(boot)}}`;
}

/** What anyone may read of the status: no tables, lock holder, failures, queue or drift. */
export interface StatusSummary {
  current: string | null;
  latest: string | null;
  pending: string[];
  upToDate: boolean;
  boot: { phase: BootSnapshot["phase"] };
}

/** The anonymous `/migrations/status` body; the details need STATUS_TOKEN or ADMIN_TOKEN. */
export function statusSummary(cached: CachedStatus, boot: BootSnapshot): StatusSummary {
  const { current, latest, pending, upToDate } = cached.core;
  return { current, latest, pending, upToDate, boot: { phase: boot.phase } };
}
