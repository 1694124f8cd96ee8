import { type Logger, type ProgressEvent, TidemarkError } from "@tidemark/migrate";
import type { Job, Queue, QueueEvents } from "bullmq";
import { findFinishedEvent } from "./events-stream.js";
import { jobFailedError, readJobFailure } from "./job-error.js";
import { isJobName } from "./names.js";
import { JobResult, parseResult } from "./results.js";

/** How to await a job. */
export interface AwaitOptions {
  /** Give up with TM_QUEUE_TIMEOUT after this long (the job keeps running). */
  timeoutMs: number;
  /** Called with each progress event the worker reports. */
  onProgress?: (event: ProgressEvent) => void;
  /** Fail with TM_NO_WORKER if no worker has taken the job after this long and none is alive. */
  noWorkerAfterMs?: number;
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

const WAITING_STATES = new Set(["waiting", "prioritized", "delayed", "waiting-children"]);

function parseAny(name: string | undefined, value: unknown): JobResult {
  if (name && isJobName(name)) return parseResult(name, value);
  const result = JobResult.safeParse(value);
  if (!result.success)
    throw new TidemarkError("TM_INTERNAL", "A job returned a result this version does not understand.");
  return result.data;
}

/** Whether anything could still take a waiting job: a live worker, or one busy with another job. */
async function workerAlive(queue: Queue): Promise<boolean> {
  // CLIENT LIST may be disabled on managed Redis; a busy queue then still counts as served.
  const workers = await queue.getWorkersCount().catch(() => 0);
  return workers > 0 || (await queue.getActiveCount()) > 0;
}

/**
 * Resolve with the job's result or reject with a typed error. Race-free: the event
 * listeners are attached before the job's state is read, and a job that finished (or was
 * even trimmed) before we started is answered from its hash or the event stream.
 */
export async function waitForJob(deps: WaitDeps, jobId: string, options: AwaitOptions): Promise<JobResult> {
  const { queue } = deps;
  const events = await deps.events();
  const startedAt = Date.now();
  return new Promise<JobResult>((resolve, reject) => {
    let done = false;
    let name: string | undefined;
    let lastState = "unknown";
    // Set while we withdraw the job ourselves, so its "removed" event is not mistaken for a vanishing.
    let withdrawing = false;
    const listeners: [string, (args: Record<string, unknown>) => void][] = [];
    const timers: NodeJS.Timeout[] = [];

    const finish = (err: unknown, result?: JobResult): void => {
      if (done) return;
      done = true;
      for (const [event, fn] of listeners) events.off(event as "completed", fn as never);
      for (const t of timers) clearTimeout(t);
      untrack();
      if (err) reject(err);
      else resolve(result as JobResult);
    };
    const settle = (fn: () => Promise<JobResult>): void => {
      fn().then(
        (r) => finish(null, r),
        (e) => finish(e),
      );
    };
    const untrack = deps.track((err) => finish(err));
    const on = (event: string, fn: (args: Record<string, unknown>) => void): void => {
      listeners.push([`${event}:${jobId}`, fn]);
      events.on(`${event}:${jobId}` as "completed", fn as never);
    };

    const failed = async (failedReason: string, job?: Job): Promise<never> => {
      const j = job ?? (await queue.getJob(jobId));
      throw jobFailedError(
        jobId,
        name ?? j?.name ?? "job",
        readJobFailure(failedReason, j?.stacktrace ?? null),
      );
    };
    const missing = async (): Promise<JobResult> => {
      const ev = await findFinishedEvent(queue, jobId);
      if (ev?.event === "completed") return parseAny(name, ev.returnvalue);
      if (ev?.event === "failed") return failed(ev.failedReason);
      throw new TidemarkError(
        "TM_JOB_NOT_FOUND",
        `Job ${jobId} does not exist in queue "${queue.name}" (prefix ${queue.opts.prefix}); finished jobs are trimmed after a while, see \`pnpm cli history\` for what ran.`,
        { details: { jobId } },
      );
    };
    const completedResult = async (jobName: string): Promise<JobResult> => {
      const fresh = await queue.getJob(jobId);
      if (fresh?.returnvalue != null) return parseAny(jobName, fresh.returnvalue);
      return missing(); // trimmed meanwhile: the event stream still has the result
    };
    const failedAgain = async (): Promise<JobResult> => {
      const fresh = await queue.getJob(jobId);
      if (fresh) return failed(fresh.failedReason, fresh);
      return missing(); // trimmed meanwhile: the event stream still has the reason
    };
    /** Read the job's state; settle if it is final. Returns the state otherwise. */
    const inspect = async (): Promise<string> => {
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : "unknown";
      if (!job || state === "unknown") {
        settle(missing);
        return "missing";
      }
      name = job.name;
      // The job was read before getState(): if it finished in between, the copy in hand has
      // no returnvalue or failedReason yet. Read the job again rather than trust that copy.
      if (state === "completed") settle(async () => completedResult(job.name));
      if (state === "failed") settle(() => failedAgain());
      lastState = state;
      return state;
    };

    on("completed", (args) => settle(async () => parseAny(name, args.returnvalue)));
    on("failed", (args) => settle(() => failed(String(args.failedReason ?? ""))));
    on("removed", () => {
      if (withdrawing) return;
      finish(
        new TidemarkError("TM_JOB_NOT_FOUND", `Job ${jobId} was removed from the queue before it finished.`, {
          details: { jobId },
        }),
      );
    });
    on("active", () => {
      lastState = "active";
    });
    on("progress", (args) => {
      if (!args.data || typeof args.data !== "object") return;
      try {
        options.onProgress?.(args.data as ProgressEvent);
      } catch (err) {
        deps.logger?.warn({ err, jobId }, "progress callback failed");
      }
    });

    timers.push(
      setTimeout(() => {
        finish(
          new TidemarkError(
            "TM_QUEUE_TIMEOUT",
            `The ${name ?? "migration"} job ${jobId} did not finish within ${options.timeoutMs} ms (last state: ${lastState}). It keeps going in the worker; follow it with \`pnpm cli jobs\` or GET /migrations/jobs/${jobId}.`,
            { details: { jobId, state: lastState, timeoutMs: options.timeoutMs } },
          ),
        );
      }, options.timeoutMs),
    );

    // Poll as a safety net for lost events, and to notice that nobody is there to run the job.
    const pollMs = Math.max(50, Math.min(1000, options.noWorkerAfterMs ?? 1000));
    const poll = async (): Promise<void> => {
      if (done) return;
      try {
        const state = await inspect();
        const noWorkerAfterMs = options.noWorkerAfterMs;
        if (
          !done &&
          noWorkerAfterMs !== undefined &&
          WAITING_STATES.has(state) &&
          Date.now() - startedAt >= noWorkerAfterMs &&
          !(await workerAlive(queue))
        ) {
          withdrawing = true;
          const err = await noWorker(queue, jobId, name ?? "migration", noWorkerAfterMs);
          if (err) return finish(err);
          withdrawing = false; // a worker took the job just now: keep waiting
        }
      } catch (err) {
        // A Redis blip: keep waiting, the timeout bounds us.
        deps.logger?.debug({ err, jobId }, "job status check failed");
      }
      if (!done) timers.push(setTimeout(() => void poll(), pollMs));
    };
    inspect().then(
      () => {
        if (!done) timers.push(setTimeout(() => void poll(), pollMs));
      },
      (err) => finish(err),
    );
  });
}

/**
 * TM_NO_WORKER, or null if a worker took the job meanwhile. A waiting rollback, backup or
 * restore is withdrawn, so it cannot run by surprise after the user fell back to `--direct`;
 * a waiting upgrade stays queued (it is idempotent, shared by other callers, and should run
 * as soon as a worker starts).
 */
async function noWorker(
  queue: Queue,
  jobId: string,
  name: string,
  afterMs: number,
): Promise<TidemarkError | null> {
  let withdrawn = false;
  if (name !== "upgrade") {
    withdrawn = await queue
      .remove(jobId)
      .then((n) => n === 1)
      .catch(() => false);
    // Not removable means a worker locked it between our check and now.
    if (!withdrawn) return null;
  }
  const fate = withdrawn
    ? "The job was withdrawn from the queue."
    : "The job stays queued and runs when a worker starts.";
  return new TidemarkError(
    "TM_NO_WORKER",
    `No migrator worker took the ${name} job ${jobId} within ${Math.round(afterMs / 100) / 10}s. ${fate} Start the worker with \`pnpm --dir apps/migrator start\`, or run the command with --direct to migrate in this process.`,
    { details: { jobId, job: name, withdrawn } },
  );
}
