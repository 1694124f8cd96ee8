import type { JobRequest, JobResults } from "@tidemark/jobs/contract";
import type { CliContext } from "./context.js";
import { onInterrupt } from "./interrupt.js";
import { createProgress, type Progress } from "./progress.js";
import { runQueued } from "./queued.js";

export type { JobRequest, JobResults } from "@tidemark/jobs/contract";

/** How to run a job. */
export interface RunJobOptions {
  /** Run in this process under the advisory lock instead of enqueuing for the worker. */
  direct: boolean;
  /** Keep stdout for the final JSON document: progress goes to stderr. */
  json?: boolean;
  /** `--timeout`: stop waiting for a queued job after this long (0 or unset: TIDEMARK_JOB_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** The BullMQ-free half of the contract (payloads and the dispatcher) for `--direct`. */
function loadContract() {
  return import("@tidemark/jobs/contract");
}

/**
 * Direct mode. The first Ctrl-C asks upgrade/rollback to stop after the migrations in flight
 * (each migration is its own transaction, so that is a clean place to stop); a second one,
 * or any Ctrl-C during a backup or restore, aborts at once and PostgreSQL rolls back.
 */
async function runDirect(cli: CliContext, request: JobRequest, progress: Progress) {
  const { dispatchJob } = await loadContract();
  const graceful = request.name === "upgrade" || request.name === "rollback";
  let stopRequested = false;
  const interrupt = () => {
    if (graceful && !stopRequested) {
      stopRequested = true;
      process.stderr.write("\nStopping after the migrations in flight (Ctrl-C again to abort now)…\n");
      return;
    }
    process.stderr.write("\nAborted; the statement in progress is rolled back by PostgreSQL.\n");
    process.exit(130);
  };
  return onInterrupt(interrupt, () =>
    dispatchJob(request.name, request.payload, cli.engine, {
      onProgress: (e) => {
        // In this process a migration's ctx.log line the logger prints is already on stderr.
        if (e.type === "log" && cli.logger.isLevelEnabled(e.level)) return;
        progress.event(e);
      },
      shouldStop: () => stopRequested,
    }),
  );
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
  const { parsePayload, currentRequester } = await loadContract();
  parsePayload(request.name, { ...request.payload, requestedBy: currentRequester("cli") });
  const progress = createProgress({ json: options.json });
  try {
    const result = options.direct
      ? await runDirect(cli, request, progress)
      : await runQueued(cli, request, progress, options.timeoutMs);
    if ("steps" in result) progress.catchUp(result.steps);
    progress.end(false);
    return result as JobResults[N];
  } catch (err) {
    progress.end(true);
    throw err;
  }
}
