import type { JobName, JobRequest, JobResults } from "@tidemark/jobs/contract";
import type { CliContext } from "./context.js";
import { createProgress, type Progress } from "./progress.js";

export type { JobRequest } from "@tidemark/jobs/contract";

/** How to run a job. */
export interface RunJobOptions {
  /** Run in this process under the advisory lock instead of enqueuing for the worker. */
  direct: boolean;
  /** Keep stdout for the final JSON document: progress goes to stderr. */
  json?: boolean;
}

/** BullMQ and ioredis take a while to load: only commands that enqueue pay for them. */
function loadQueue() {
  return import("@tidemark/jobs");
}

/** The BullMQ-free half of the contract (payloads and the dispatcher) for `--direct`. */
function loadContract() {
  return import("@tidemark/jobs/contract");
}

// setTimeout's ceiling (~24.8 days): "wait for as long as the job takes".
const FOREVER_MS = 2 ** 31 - 1;

/** Listen for Ctrl-C while `fn` runs; our listener also stops Node's default exit. */
async function onInterrupt<T>(handler: () => void, fn: () => Promise<T>): Promise<T> {
  process.on("SIGINT", handler);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", handler);
  }
}

/**
 * Direct mode. The first Ctrl-C asks upgrade/rollback to stop after the current migration
 * (each migration is its own transaction, so that is a clean place to stop); a second one,
 * or any Ctrl-C during a backup or restore, aborts at once and PostgreSQL rolls back.
 */
async function runDirect(cli: CliContext, request: JobRequest, progress: Progress) {
  const graceful = request.name === "upgrade" || request.name === "rollback";
  let stopRequested = false;
  const interrupt = () => {
    if (graceful && !stopRequested) {
      stopRequested = true;
      process.stderr.write("\nStopping after the current migration (Ctrl-C again to abort now)…\n");
      return;
    }
    process.stderr.write("\nAborted; the statement in progress is rolled back by PostgreSQL.\n");
    process.exit(130);
  };
  const { dispatchJob } = await loadContract();
  return onInterrupt(interrupt, () =>
    dispatchJob(request.name, request.payload, cli.engine, {
      onProgress: (e) => progress.event(e),
      shouldStop: () => stopRequested,
    }),
  );
}

/** Queue mode: enqueue, say who is waiting for what, stream progress, and return the job's result. */
async function runQueued(cli: CliContext, request: JobRequest, progress: Progress) {
  const { createMigrationsQueue, currentRequester, unwrapJobFailure } = await loadQueue();
  const queue = createMigrationsQueue(cli.config.queue, { logger: cli.logger });
  try {
    const payload = { ...request.payload, requestedBy: currentRequester("cli") };
    const { jobId, deduplicated } = await queue.enqueue(request.name, payload);
    progress.note(
      deduplicated
        ? `Joined the ${request.name} job ${jobId} that was already queued; waiting for the worker…`
        : `Queued ${request.name} job ${jobId}; waiting for the worker…`,
    );
    // Ctrl-C stops the waiting, not the job: say where it went.
    const interrupt = () => {
      progress.end(true);
      process.stderr.write(
        `\nStopped waiting. Job ${jobId} carries on in the worker; follow it with: pnpm cli jobs\n`,
      );
      process.exit(130);
    };
    return await onInterrupt(interrupt, () =>
      queue.awaitJob(jobId, {
        timeoutMs: cli.config.jobTimeoutMs || FOREVER_MS,
        noWorkerAfterMs: cli.config.noWorkerAfterMs,
        onProgress: (e) => progress.event(e),
      }),
    );
  } catch (err) {
    // A failed job surfaces with the engine's own code, so exit codes match --direct.
    throw unwrapJobFailure(err);
  } finally {
    await queue.close();
  }
}

/**
 * The seam between the two modes: `--direct` calls the engine here; otherwise the job is
 * enqueued for the worker and its progress streamed back. Either way the caller gets the
 * job's result or its error.
 */
export async function runJob<N extends JobName>(
  cli: CliContext,
  request: Extract<JobRequest, { name: N }>,
  options: RunJobOptions,
): Promise<JobResults[N]> {
  // Same validation in both modes, so a bad label fails the same way with or without a worker.
  const { parsePayload, currentRequester } = await loadContract();
  parsePayload(request.name, { ...request.payload, requestedBy: currentRequester("cli") });
  const progress = createProgress({ json: options.json });
  try {
    const result = options.direct
      ? await runDirect(cli, request, progress)
      : await runQueued(cli, request, progress);
    if ("steps" in result) progress.catchUp(result.steps);
    progress.end(false);
    return result as JobResults[N];
  } catch (err) {
    progress.end(true);
    throw err;
  }
}
