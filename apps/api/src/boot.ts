import { TidemarkError, type UpToDateCheck } from "@tidemark/migrate";
import type { Logger } from "pino";
import type { MigrateOnBoot } from "./config.js";
import { describeFailure, type Failure } from "./failure.js";

/** Where the boot sequence stands: only `ready` lets domain routes through. */
export type BootPhase = "connecting" | "migrating" | "ready" | "degraded";

/** What a boot migration did (one queue job or one in-process run). */
export interface MigrationOutcome {
  from: string | null;
  to: string | null;
  steps: number;
  jobId?: string;
}

/** A point-in-time view of the boot sequence, served by `/health/ready` and `/migrations/status`. */
export interface BootSnapshot {
  phase: BootPhase;
  mode: MigrateOnBoot;
  /** When the current phase began (ISO). */
  since: string;
  attempts: number;
  revision: string | null;
  pending: number | null;
  /** The latest failure; kept while a retry runs so operators still see why. */
  failure: Omit<Failure, "transient"> | null;
  nextRetryAt: string | null;
}

/** What the boot sequence needs from the outside world. */
export interface BootDeps {
  mode: MigrateOnBoot;
  logger: Logger;
  /** The one-query up-to-date check. */
  check(): Promise<UpToDateCheck>;
  /** Bring the database to the newest revision (queue job or in-process). */
  migrate(check: UpToDateCheck): Promise<MigrationOutcome>;
  /** Background retry backoff after a failure. */
  retry?: { initialMs: number; maxMs: number };
  /** Called after every phase change. */
  onChange?: (snapshot: BootSnapshot) => void;
}

const defaultRetry = { initialMs: 1000, maxMs: 30_000 };

/**
 * The boot sequence: connecting → migrating → ready, or degraded with the reason and the
 * next command to run. A degraded API keeps retrying in the background: transient causes
 * (Redis, worker, network, lock) get a full retry; a failed migration only gets the cheap
 * up-to-date check, so a broken file is not re-run every few seconds, yet the API turns
 * ready as soon as someone fixes it and upgrades (or {@link Boot.nudge} is called).
 */
export class Boot {
  private phase: BootPhase = "connecting";
  private since = new Date();
  private attempts = 0;
  private failures = 0;
  private revision: string | null = null;
  private pending: number | null = null;
  private failure: Failure | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextRetryAt: Date | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly retry: { initialMs: number; maxMs: number };

  constructor(private readonly deps: BootDeps) {
    this.retry = deps.retry ?? defaultRetry;
  }

  /** True once the schema is at the newest revision. */
  get ready(): boolean {
    return this.phase === "ready";
  }

  /** Run the first attempt; resolves when it ends (ready or degraded), never rejects. */
  start(): Promise<BootSnapshot> {
    this.deps.logger.info({ mode: this.deps.mode }, "🔄 Running database migrations...");
    return this.attempt().then(() => this.snapshot());
  }

  /** Retry now instead of waiting for the backoff (e.g. an upgrade job just finished). */
  nudge(): Promise<void> {
    if (this.closed || this.phase === "ready" || this.attempts === 0) return Promise.resolve();
    this.clearTimer();
    return this.attempt();
  }

  /** Stop retrying; an attempt in flight finishes without scheduling another. */
  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  /** A copy of the current state. */
  snapshot(): BootSnapshot {
    return {
      phase: this.phase,
      mode: this.deps.mode,
      since: this.since.toISOString(),
      attempts: this.attempts,
      revision: this.revision,
      pending: this.pending,
      failure: this.failure && publicFailure(this.failure),
      nextRetryAt: this.nextRetryAt?.toISOString() ?? null,
    };
  }

  private attempt(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    this.attempts += 1;
    this.nextRetryAt = null;
    const started = performance.now();
    try {
      let check = await this.deps.check();
      this.observe(check);
      let outcome: MigrationOutcome | null = null;
      // No migrations at all: the engine creates the tables from the schema (idempotent),
      // and the up-to-date check cannot tell whether that already happened.
      if (!check.upToDate || !check.hasMigrations) {
        if (this.deps.mode === "off") {
          throw new TidemarkError(
            "TM_PENDING_MIGRATIONS",
            `${check.pending} migration(s) pending (database at ${check.current ?? "base"}, newest ${check.latest}) and MIGRATE_ON_BOOT=off.`,
            { details: { current: check.current, latest: check.latest, pending: check.pending } },
          );
        }
        if (this.failure && !this.failure.transient) {
          // Waiting for a human to fix the migration: re-check only, stay quiet.
          this.failures += 1;
          this.scheduleRetry();
          return;
        }
        this.setPhase("migrating");
        outcome = await this.deps.migrate(check);
        if (check.hasMigrations) {
          check = await this.deps.check();
          this.observe(check);
          if (!check.upToDate) {
            throw new TidemarkError(
              "TM_NOT_READY",
              `The upgrade ended at ${check.current ?? "base"} but ${check.pending} migration(s) are still pending (added while it ran?); retrying.`,
              { details: { current: check.current, latest: check.latest } },
            );
          }
        }
      }
      this.becomeReady(check, outcome, performance.now() - started);
    } catch (err) {
      this.fail(err);
    }
  }

  private observe(check: UpToDateCheck): void {
    this.revision = check.current;
    this.pending = check.pending;
  }

  private becomeReady(check: UpToDateCheck, outcome: MigrationOutcome | null, durationMs: number): void {
    if (this.closed) return;
    this.failure = null;
    this.failures = 0;
    // Said before the phase flips, so whoever sees /health/ready answer 200 can find this line.
    this.deps.logger.info(
      {
        revision: check.current,
        upToDate: outcome === null,
        steps: outcome?.steps ?? 0,
        jobId: outcome?.jobId,
        attempts: this.attempts,
        durationMs: Math.round(durationMs),
      },
      "✅ Database migrations completed",
    );
    this.setPhase("ready");
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const failure = describeFailure(err);
    // TM_NOT_READY here means "pending appeared during the run": worth a full retry.
    if (failure.code === "TM_NOT_READY") failure.transient = true;
    const changed = failure.code !== this.failure?.code || failure.message !== this.failure.message;
    this.failure = failure;
    this.failures += 1;
    this.setPhase("degraded");
    const delay = this.scheduleRetry();
    if (changed) {
      this.deps.logger.error(
        {
          code: failure.code,
          migration: failure.migration,
          statement: failure.statement,
          details: failure.details,
          nextCommand: failure.nextCommand,
          attempt: this.attempts,
          retryInMs: delay,
          ...(failure.code === "TM_INTERNAL" ? { err } : {}),
        },
        "❌ Database initialization error",
      );
    } else {
      this.deps.logger.warn(
        { code: failure.code, attempt: this.attempts, retryInMs: delay },
        "database still not ready",
      );
    }
  }

  private scheduleRetry(): number {
    if (this.closed) return 0;
    const exp = this.retry.initialMs * 2 ** Math.max(0, this.failures - 1);
    // Jitter spreads retries of many instances that failed together.
    const delay = Math.round(Math.min(this.retry.maxMs, exp) * (0.8 + Math.random() * 0.4));
    this.clearTimer();
    this.nextRetryAt = new Date(Date.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, delay);
    this.timer.unref();
    return delay;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextRetryAt = null;
  }

  private setPhase(phase: BootPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.since = new Date();
    this.deps.onChange?.(this.snapshot());
  }
}

function publicFailure({ transient: _internal, ...rest }: Failure): Omit<Failure, "transient"> {
  return rest;
}
