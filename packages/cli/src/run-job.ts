import {
  type BackupInfo,
  backup,
  type ProgressEvent,
  type RestoreReport,
  type RunReport,
  restore,
  rollback,
  upgrade,
} from "@tidemark/migrate";
import type { CliContext } from "./context.js";
import { createProgress, type Progress } from "./progress.js";

/** A job the CLI can run, in the shape of the queue's payloads minus `requestedBy` (DESIGN §6). */
export type JobRequest =
  | { name: "upgrade"; payload: { to?: string; singleTransaction?: boolean } }
  | { name: "rollback"; payload: { to: string; noBackup?: boolean } }
  | { name: "backup"; payload: { label?: string } }
  | { name: "restore"; payload: { file: string; noBackup?: boolean } };

/** What each job returns: the engine's own reports, whichever process ran them. */
export interface JobResults {
  upgrade: RunReport;
  rollback: RunReport;
  backup: BackupInfo;
  restore: RestoreReport;
}

/** How to run a job. */
export interface RunJobOptions {
  /** Run in this process under the advisory lock instead of enqueuing for the worker. */
  direct: boolean;
  /** Keep stdout for the final JSON document: progress goes to stderr. */
  json?: boolean;
}

/** BullMQ and ioredis take a while to load: only commands that run jobs pay for them. */
function loadJobs() {
  return import("@tidemark/jobs");
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

/** The engine call behind a job, in this process. */
function callEngine(
  cli: CliContext,
  request: JobRequest,
  onProgress: (event: ProgressEvent) => void,
  shouldStop: () => boolean,
): Promise<JobResults[JobRequest["name"]]> {
  switch (request.name) {
    case "upgrade":
      return upgrade(cli.engine, { ...request.payload, onProgress, shouldStop });
    case "rollback":
      return rollback(cli.engine, { ...request.payload, onProgress, shouldStop });
    case "backup":
      return backup(cli.engine, { ...request.payload, reason: "manual" });
    case "restore":
      return restore(cli.engine, { ...request.payload, onProgress });
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
  return onInterrupt(interrupt, () =>
    callEngine(
      cli,
      request,
      (e) => progress.event(e),
      () => stopRequested,
    ),
  );
}

/** Queue mode: enqueue, say who is waiting for what, stream progress, and return the job's result. */
async function runQueued(cli: CliContext, request: JobRequest, progress: Progress) {
  const { createMigrationsQueue, currentRequester, unwrapJobFailure } = await loadJobs();
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
export async function runJob<N extends JobRequest["name"]>(
  cli: CliContext,
  request: Extract<JobRequest, { name: N }>,
  options: RunJobOptions,
): Promise<JobResults[N]> {
  // Same validation in both modes, so a bad label fails the same way with or without a worker.
  const { parsePayload, currentRequester } = await loadJobs();
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
