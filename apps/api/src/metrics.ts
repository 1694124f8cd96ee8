import type { HistoryRow } from "@tidemark/migrate";
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

/** One scrape in the Prometheus text format. */
export interface Scrape {
  text: string;
  contentType: string;
}

/**
 * The API's metrics (one set per app, so tests can build several). Job outcomes are counted
 * here from the start; prom-client (about 80 modules) and its registry are loaded on the first
 * scrape, so a cold boot does not pay for them (`metrics-registry.ts`).
 */
export class Metrics {
  /** Outcomes of awaited jobs, by job and outcome. */
  readonly outcomes = new Map<string, { job: string; outcome: JobOutcome; count: number }>();
  private registry: Promise<{ scrape(): Promise<Scrape> }> | null = null;

  constructor(
    private readonly source: MetricsSource,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Count how an awaited job ended. */
  jobOutcome(job: string, outcome: JobOutcome): void {
    const key = `${job}\u0000${outcome}`;
    const entry = this.outcomes.get(key) ?? { job, outcome, count: 0 };
    entry.count += 1;
    this.outcomes.set(key, entry);
  }

  /** Every metric, read now. */
  async scrape(): Promise<Scrape> {
    this.registry ??= import("./metrics-registry.js").then((m) =>
      m.metricsRegistry(this.source, this.outcomes, this.onError),
    );
    return (await this.registry).scrape();
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
