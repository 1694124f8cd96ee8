import type { FleetClient, QueueConfig } from "@tidemark/jobs";
import {
  type EngineConfig,
  type FleetTarget,
  fleetStatus,
  loadTargets,
  type TargetStatus,
  type TargetsConfig,
} from "@tidemark/migrate";
import type { Logger } from "pino";
import { type Memo, memo } from "./cache.js";
import type { JobsModule } from "./queue.js";

/**
 * How long a read (status, run listings, the dashboard) may reuse the targets list. Why: a
 * TIDEMARK_TARGETS_QUERY costs a connection to the control database, and a dashboard that
 * reloads on every job event would otherwise open one per view. Starting a run never reuses it.
 */
export const TARGETS_TTL_MS = 5000;

/** Passwords shorter than this are not scrubbed from answers: replacing them would garble every text. */
const MIN_SCRUBBED_LENGTH = 4;

/** What the fleet side of the API needs. */
export interface FleetHandleOptions {
  targets: TargetsConfig;
  queue: QueueConfig;
  engine: EngineConfig;
  logger: Logger;
  /** The `@tidemark/jobs` module, loaded on first use (shared with the migrations queue). */
  jobs: () => Promise<JobsModule>;
  env?: Record<string, string | undefined>;
}

/**
 * The API's fleet: its targets and ONE FleetClient, connected on first use like the migrations
 * queue (an API whose fleet nobody looks at never opens those Redis connections).
 */
export class FleetHandle {
  /** The targets list, reused for {@link TARGETS_TTL_MS} by reads. */
  readonly targets: Memo<FleetTarget[]>;
  private client: Promise<FleetClient> | null = null;
  private closed = false;

  constructor(private readonly options: FleetHandleOptions) {
    this.targets = memo(() => loadTargets(options.targets), TARGETS_TTL_MS);
  }

  /** The targets as the file and query list them right now (to start a run). */
  freshTargets(): Promise<FleetTarget[]> {
    return loadTargets(this.options.targets);
  }

  /** Where each target stands, `concurrency` read at once; an unreadable target is a row with its error. */
  status(targets: FleetTarget[], concurrency: number): Promise<TargetStatus[]> {
    return fleetStatus(targets, this.options.engine, this.options.logger, concurrency);
  }

  /** The client, connecting on the first call. */
  get(): Promise<FleetClient> {
    this.client ??= this.options.jobs().then((jobs) => {
      const client = jobs.createFleetClient(this.options.queue);
      // close() may have run while the module loaded: never leave a connection behind.
      if (this.closed) void client.close();
      return client;
    });
    return this.client;
  }

  /**
   * The passwords this process knows for `targets` (their `passwordEnv` variables, PGPASSWORD):
   * no answer may carry them, whatever an error message or a driver quotes.
   */
  secrets(targets: FleetTarget[]): string[] {
    const env = this.options.env ?? process.env;
    const names = [...targets.map((t) => t.passwordEnv), "PGPASSWORD"];
    const values = names.map((n) => (n ? env[n] : undefined));
    const known = values.filter((v): v is string => (v?.length ?? 0) >= MIN_SCRUBBED_LENGTH);
    // As typed, and as a connection URL carries it.
    return [...new Set(known.flatMap((v) => [v, encodeURIComponent(v)]))];
  }

  /** Close the client if one was opened. */
  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await (await c?.catch(() => undefined))?.close();
  }
}

/** Replace every secret in every string of `value` (a JSON-like tree) with `***`. */
export function scrubSecrets<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return secrets.reduce((s, secret) => s.replaceAll(secret, "***"), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
