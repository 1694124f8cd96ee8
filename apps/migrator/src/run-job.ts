import { type DispatchHooks, progressStamper, toJobError } from "@tidemark/jobs";
import { isTidemarkError, type ProgressEvent, type RunReport } from "@tidemark/migrate";
import { type Job, WaitingError } from "bullmq";
import type { Logger } from "pino";

function isInterrupted(result: unknown): boolean {
  return !!(result as Partial<RunReport> | null)?.interrupted;
}

/**
 * Run one job's engine work, for single jobs and fleet children alike: forward its progress
 * to BullMQ in order, give the job back when shutdown stopped it between migrations, log how
 * it ended and turn its error into one the caller can read back.
 */
export async function runJob<T>(
  job: Job,
  token: string | undefined,
  context: { log: Logger; stopping: () => boolean; fields?: Record<string, unknown> },
  run: (hooks: DispatchHooks) => Promise<T>,
): Promise<T> {
  const { log, stopping } = context;
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  log.info({ attempt: job.attemptsStarted, ...context.fields }, "job started");

  // Progress writes are chained so they land in order, and awaited before the job finishes.
  let progress: Promise<unknown> = Promise.resolve();
  const stamp = progressStamper();
  const onProgress = (event: ProgressEvent): void => {
    const published = stamp(event);
    progress = progress
      .then(() => job.updateProgress(published))
      .catch((err) => log.warn({ err }, "progress update failed"));
  };

  try {
    const result = await run({ onProgress, shouldStop: stopping });
    await progress;
    if (isInterrupted(result) && stopping()) {
      // Shutdown stopped the run between migrations: give the job back so the next worker
      // resumes it from the last applied revision, and its callers keep waiting.
      await job.moveToWait(token);
      log.info({ durationMs: durationMs() }, "job interrupted by shutdown; requeued");
      throw new WaitingError();
    }
    log.info({ durationMs: durationMs() }, "job completed");
    return result;
  } catch (err) {
    if (err instanceof WaitingError) throw err;
    await progress;
    log.error(
      { code: isTidemarkError(err) ? err.code : "TM_INTERNAL", err, durationMs: durationMs() },
      "job failed",
    );
    throw toJobError(err);
  }
}
