import type { WorkerChange } from "@tidemark/jobs";
import { databaseIdentity } from "@tidemark/migrate/modules/identity";
import { interactive } from "./confirm.js";
import type { CliContext } from "./context.js";
import { onInterrupt } from "./interrupt.js";
import { color, nameCommands } from "./output.js";
import type { Progress } from "./progress.js";
import type { JobRequest, JobResults } from "./run-job.js";

// setTimeout's ceiling (~24.8 days): "wait for as long as the job takes".
const FOREVER_MS = 2 ** 31 - 1;

/** BullMQ and ioredis take a while to load: only commands that run jobs pay for them. */
function loadJobs() {
  return import("@tidemark/jobs");
}

/** What Ctrl-C while waiting says: the job is not cancelled, and where to follow it. */
function stoppedWaiting(jobId: string, workerLost: boolean): string {
  const fate = workerLost
    ? "It stays queued until a worker starts (pnpm --dir apps/migrator start)."
    : "It is left to the worker.";
  return `\nStopped waiting; job ${jobId} was not cancelled. ${fate} Follow it with \`pnpm cli jobs\` or GET /migrations/jobs/${jobId}.\n`;
}

/** On a terminal a lost worker is said, not fatal: the person may start one and keep watching. */
function sayWorkerChange(progress: Progress, change: WorkerChange): void {
  if (change.type === "lost") {
    progress.say(`${color.yellow("⚠")} ${change.error.message}`);
    progress.say("Still waiting; Ctrl-C stops waiting and leaves the job queued.");
  } else {
    progress.say(`${color.green("✔")} A worker is connected again; waiting for it to run the job.`);
  }
}

/** How long to wait for the job: `--timeout`, else TIDEMARK_JOB_TIMEOUT_MS; 0 means no limit. */
function waitLimit(cli: CliContext, timeoutMs: number | undefined): number {
  const ms = timeoutMs ?? cli.config.jobTimeoutMs;
  return ms > 0 ? Math.min(ms, FOREVER_MS) : FOREVER_MS;
}

/**
 * Queue mode: enqueue, say who is waiting for what, stream progress with elapsed time, and
 * return the job's result. No worker for TIDEMARK_NO_WORKER_MS fails off a terminal with
 * TM_NO_WORKER; on a terminal it is said and the wait goes on.
 */
export async function runQueued(
  cli: CliContext,
  request: JobRequest,
  progress: Progress,
  timeoutMs?: number,
): Promise<JobResults[JobRequest["name"]]> {
  const { createMigrationsQueue, currentRequester, unwrapJobFailure } = await loadJobs();
  const queue = createMigrationsQueue(cli.config.queue, { logger: cli.logger });
  let workerLost = false;
  try {
    // Name our database, so a worker serving another one refuses instead of reporting its own state.
    const database = await databaseIdentity(cli.engine.databaseUrl);
    const payload = { ...request.payload, requestedBy: currentRequester("cli"), database };
    const { jobId, deduplicated } = await queue.enqueue(request.name, payload);
    progress.note(
      deduplicated
        ? `Joined the ${request.name} job ${jobId} that was already queued; waiting for the worker…`
        : `Queued ${request.name} job ${jobId}; waiting for the worker…`,
    );
    // Ctrl-C stops the waiting, not the job: say where it went.
    const interrupt = () => {
      progress.end(true);
      process.stderr.write(nameCommands(stoppedWaiting(jobId, workerLost)));
      process.exit(130);
    };
    const result = await onInterrupt(interrupt, () =>
      queue.awaitJob(jobId, {
        timeoutMs: waitLimit(cli, timeoutMs),
        noWorkerAfterMs: cli.config.noWorkerAfterMs,
        keepWaitingWithoutWorker: interactive,
        onProgress: (e) => progress.event(e),
        onWorker: (change) => {
          workerLost = change.type === "lost";
          sayWorkerChange(progress, change);
        },
      }),
    );
    return result as JobResults[JobRequest["name"]];
  } catch (err) {
    // A failed job surfaces with the engine's own code, so exit codes match --direct.
    throw unwrapJobFailure(err);
  } finally {
    await queue.close();
  }
}
