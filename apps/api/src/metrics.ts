import type { HistoryRow } from "@tidemark/migrate";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BootSnapshot } from "./boot.js";

/** How a job this process awaited ended. */
export type JobOutcome = "completed" | "failed" | "timeout" | "no_worker" | "redis_unavailable" | "error";

/** What a scrape reads from the database (memoized by the caller). */
export interface MetricsSource {
  status(): Promise<{
    current: string | null;
    pending: string[];
    queue: { counts: Record<string, number> | null };
  }>;
  history(): Promise<HistoryRow[]>;
  boot(): BootSnapshot;
}

/** The API's Prometheus registry (one per app, so tests can build several). */
export class Metrics {
  readonly registry = new Registry();
  private readonly jobOutcomes: Counter<"job" | "outcome">;

  constructor(source: MetricsSource, onError: (err: unknown) => void) {
    const registers = [this.registry];
    // A scrape must not fail because the database is down: keep the last values and say so.
    const safely = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        onError(err);
      }
    };
    new Gauge({
      name: "tidemark_current_revision_info",
      help: "The revision the database is at (value is always 1)",
      labelNames: ["revision"],
      registers,
      async collect() {
        await safely(async () => {
          const s = await source.status();
          this.reset();
          this.set({ revision: s.current ?? "base" }, 1);
        });
      },
    });
    new Gauge({
      name: "tidemark_pending_migrations",
      help: "Migrations on disk not yet applied",
      registers,
      async collect() {
        await safely(async () => this.set((await source.status()).pending.length));
      },
    });
    new Gauge({
      name: "tidemark_queue_jobs",
      help: "Jobs in the migrations queue by state (absent when Redis is unreachable)",
      labelNames: ["state"],
      registers,
      async collect() {
        await safely(async () => {
          const counts = (await source.status()).queue.counts;
          this.reset();
          for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
        });
      },
    });
    new Gauge({
      name: "tidemark_ready",
      help: "1 when the API's boot migration succeeded and domain routes are served",
      registers,
      collect() {
        this.set(source.boot().phase === "ready" ? 1 : 0);
      },
    });
    new Histogram({
      name: "tidemark_migration_duration_seconds",
      help: "Duration of migration runs recorded in tidemark.history (newest 1000)",
      labelNames: ["direction", "status"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
      async collect() {
        await safely(async () => {
          const rows = await source.history();
          // Rebuilt from the table on each scrape: the table, not this process, is the record.
          this.reset();
          for (const r of rows) {
            if (r.durationMs === null) continue;
            this.observe({ direction: r.direction, status: r.status }, r.durationMs / 1000);
          }
        });
      },
    });
    this.jobOutcomes = new Counter({
      name: "tidemark_job_outcomes_total",
      help: "Outcomes of migration jobs this process enqueued and awaited",
      labelNames: ["job", "outcome"],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Count how an awaited job ended. */
  jobOutcome(job: string, outcome: JobOutcome): void {
    this.jobOutcomes.inc({ job, outcome });
  }
}

/** Map an error from awaiting a job to its outcome label. */
export function outcomeOf(err: unknown): JobOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "TM_JOB_FAILED":
      return "failed";
    case "TM_QUEUE_TIMEOUT":
      return "timeout";
    case "TM_NO_WORKER":
      return "no_worker";
    case "TM_REDIS_UNAVAILABLE":
      return "redis_unavailable";
    default:
      return "error";
  }
}
