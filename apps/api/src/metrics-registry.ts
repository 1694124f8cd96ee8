import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics, MetricsSource, Scrape } from "./metrics.js";

/**
 * The Prometheus registry behind {@link Metrics}, built on the first scrape. Gauges and the
 * histogram read the database at scrape time; job outcomes come from `outcomes`, counted
 * since the process started.
 */
export function metricsRegistry(
  source: MetricsSource,
  outcomes: Metrics["outcomes"],
  onError: (err: unknown) => void,
): { scrape(): Promise<Scrape> } {
  const registry = new Registry();
  const registers = [registry];
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
  new Counter({
    name: "tidemark_job_outcomes_total",
    help: "Outcomes of migration jobs this process enqueued and awaited",
    labelNames: ["job", "outcome"],
    registers,
    collect() {
      this.reset();
      for (const { job, outcome, count } of outcomes.values()) this.inc({ job, outcome }, count);
    },
  });
  collectDefaultMetrics({ register: registry });
  return {
    async scrape() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
