import { type Logger, type ProgressEvent, TidemarkError } from "@tidemark/migrate";
import type { Queue, QueueEvents } from "bullmq";
import { failedJob, inspectJob, parseAny } from "./job-outcome.js";
import { subscribeToJob } from "./job-subscription.js";
import { type JobSighting, noWorkerError, WorkerWatch, withdrawJob, workerAlive } from "./liveness.js";
import type { PublishedProgress } from "./progress.js";
import type { JobResult } from "./results.js";

/** A worker went away (the wait goes on only with `keepWaitingWithoutWorker`), or came back. */
export type WorkerChange = { type: "lost"; error: TidemarkError } | { type: "back" };

/** How to await a job. */
export interface AwaitOptions {
  /** Give up with TM_QUEUE_TIMEOUT after this long (the job keeps running). */
  timeoutMs: number;
  /** Called with each progress event the worker reports. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * TM_NO_WORKER once no worker of the queue has been connected for this long, whether the
   * job is still waiting or was running. A long statement never trips it: its worker stays.
   */
  noWorkerAfterMs?: number;
  /** Report a lost worker through `onWorker` and keep waiting, instead of failing (a terminal). */
  keepWaitingWithoutWorker?: boolean;
  /** Told when the worker is lost and when one is back. */
  onWorker?: (change: WorkerChange) => void;
}

/** What {@link waitForJob} needs from the queue that owns it. */
export interface WaitDeps {
  queue: Queue;
  /** The shared, already-listening QueueEvents reader. */
  events: () => Promise<QueueEvents>;
  logger?: Logger;
  /** Register a waiter so `close()` can reject it; returns the unregister function. */
  track: (abort: (err: Error) => void) => () => void;
}

/** One wait's settle-once state: the first outcome wins and every listener and timer goes. */
class Settler {
  done = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly resolve: (r: JobResult) => void,
    private readonly reject: (e: unknown) => void,
  ) {}

  /** Run `fn` when the wait ends. */
  onEnd(fn: () => void): void {
    this.cleanups.push(fn);
  }

  finish(err: unknown, result?: JobResult): void {
    if (this.done) return;
    this.done = true;
    for (const fn of this.cleanups) fn();
    if (err) this.reject(err);
    else this.resolve(result as JobResult);
  }

  settle(fn: () => Promise<JobResult>): void {
    fn().then(
      (r) => this.finish(null, r),
      (e) => this.finish(e),
    );
  }
}

/** Keep what progress says about where the job is, for the no-worker message. */
function noteProgress(seen: JobSighting, data: unknown): void {
  const e = data as Partial<PublishedProgress> & { revision?: string };
  if (typeof e?.lastFinished === "string") seen.lastFinished = e.lastFinished;
  if (e?.type === "step-start") seen.current = e.revision;
  if (e?.type === "step-done") {
    seen.lastFinished = e.revision;
    seen.current = undefined;
  }
}

/** Fail the wait after `timeoutMs`; the job itself keeps going in the worker. */
function startDeadline(wait: Settler, seen: JobSighting, timeoutMs: number): void {
  const timer = setTimeout(() => {
    wait.finish(
      new TidemarkError(
        "TM_QUEUE_TIMEOUT",
        `The ${seen.name} job ${seen.jobId} did not finish within ${timeoutMs} ms (last state: ${seen.state}). It keeps going in the worker; follow it with \`pnpm cli jobs\` or GET /migrations/jobs/${seen.jobId}.`,
        { details: { jobId: seen.jobId, state: seen.state, timeoutMs } },
      ),
    );
  }, timeoutMs);
  wait.onEnd(() => clearTimeout(timer));
}

/** Listen to the job's own events: the fast path to its outcome and progress. */
function listen(
  deps: WaitDeps,
  events: QueueEvents,
  wait: Settler,
  seen: JobSighting,
  options: AwaitOptions,
) {
  const { queue } = deps;
  const withdrawing = { now: false };
  const stop = subscribeToJob(events, seen.jobId, {
    completed: (rv) => wait.settle(async () => parseAny(seen.name, rv)),
    failed: (reason) =>
      wait.settle(async () => {
        throw await failedJob(queue, seen.jobId, reason);
      }),
    removed: () => {
      // Our own withdrawal is reported by the no-worker check, not as a vanishing.
      if (withdrawing.now) return;
      wait.finish(
        new TidemarkError(
          "TM_JOB_NOT_FOUND",
          `Job ${seen.jobId} was removed from the queue before it finished.`,
          {
            details: { jobId: seen.jobId },
          },
        ),
      );
    },
    active: () => {
      seen.state = "active";
    },
    progress: (data) => {
      if (!data || typeof data !== "object") return;
      noteProgress(seen, data);
      try {
        options.onProgress?.(data as ProgressEvent);
      } catch (err) {
        deps.logger?.warn({ err, jobId: seen.jobId }, "progress callback failed");
      }
    },
  });
  wait.onEnd(stop);
  return withdrawing;
}

/**
 * The worker-liveness rule for a job that is neither done nor failed. Returns true when
 * the wait ended. A waiting rollback, backup or restore is withdrawn, so it cannot run by
 * surprise after the user fell back to `--direct`; an upgrade (idempotent, shared by other
 * callers) and any job already running stay queued for the next worker.
 */
async function checkWorker(
  queue: Queue,
  wait: Settler,
  watch: WorkerWatch,
  seen: JobSighting,
  options: AwaitOptions,
  withdrawing: { now: boolean },
): Promise<void> {
  const moment = watch.observe(await workerAlive(queue, seen.jobId, seen.state), Date.now());
  if (moment === "back") options.onWorker?.({ type: "back" });
  if (moment !== "lost") return;
  if (options.keepWaitingWithoutWorker) {
    options.onWorker?.({ type: "lost", error: noWorkerError(seen, watch.afterMs, false) });
    return;
  }
  const withdraw = seen.state !== "active" && seen.name !== "upgrade";
  if (withdraw) {
    withdrawing.now = true;
    const withdrawn = await withdrawJob(queue, seen.jobId);
    withdrawing.now = false;
    // Not removable means a worker locked it between our check and now: keep waiting.
    if (!withdrawn) return watch.reset();
  }
  wait.finish(noWorkerError(seen, watch.afterMs, withdraw));
}

/** Poll the job as a safety net for lost events, and to notice that nobody runs it. */
function startPolling(
  deps: WaitDeps,
  wait: Settler,
  seen: JobSighting,
  options: AwaitOptions,
  withdrawing: { now: boolean },
) {
  const watch = options.noWorkerAfterMs === undefined ? null : new WorkerWatch(options.noWorkerAfterMs);
  const pollMs = Math.max(50, Math.min(1000, Math.floor((options.noWorkerAfterMs ?? 4000) / 4)));
  let timer: NodeJS.Timeout | undefined;
  wait.onEnd(() => clearTimeout(timer));
  const poll = async (): Promise<void> => {
    try {
      const job = await inspectJob(deps.queue, seen.jobId);
      if (job.final) return wait.settle(job.outcome);
      Object.assign(seen, { state: job.state, name: job.name, stalled: job.stalled });
      noteProgress(seen, job.progress);
      if (watch && !wait.done) await checkWorker(deps.queue, wait, watch, seen, options, withdrawing);
    } catch (err) {
      // A Redis blip: keep waiting, the timeout bounds us.
      deps.logger?.debug({ err, jobId: seen.jobId }, "job status check failed");
    }
    if (!wait.done) timer = setTimeout(() => void poll(), pollMs);
  };
  return poll;
}

/**
 * Resolve with the job's result or reject with a typed error. Race-free: the event
 * listeners are attached before the job's state is read, and a job that finished (or was
 * even trimmed) before we started is answered from its hash or the event stream.
 */
export async function waitForJob(deps: WaitDeps, jobId: string, options: AwaitOptions): Promise<JobResult> {
  const events = await deps.events();
  return new Promise<JobResult>((resolve, reject) => {
    const wait = new Settler(resolve, reject);
    const seen: JobSighting = { jobId, name: "migration", state: "unknown", stalled: 0 };
    wait.onEnd(deps.track((err) => wait.finish(err)));
    const withdrawing = listen(deps, events, wait, seen, options);
    startDeadline(wait, seen, options.timeoutMs);
    const poll = startPolling(deps, wait, seen, options, withdrawing);
    // The first read settles a job that finished before we listened; errors here are real.
    inspectJob(deps.queue, jobId).then(
      (job) => {
        if (job.final) return wait.settle(job.outcome);
        void poll();
      },
      (err) => wait.finish(err),
    );
  });
}
