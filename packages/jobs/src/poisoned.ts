import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { Job, type JobJsonRaw, type MinimalQueue, Queue, Worker } from "bullmq";

/** Why a job's stored data could not be read, by job object. */
const invalidReasons = new WeakMap<Job, string>();

function unparsable(text: string | undefined): string | null {
  if (text === undefined || text === "") return null;
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A BullMQ job that survives data that is not JSON (written to Redis by hand or by a
 * compromised client). BullMQ's own parser throws, which made every reader answer 500 and the
 * worker loop on the job; here the job is read with empty data and marked invalid instead.
 */
export class TolerantJob extends Job {
  /** {@link Job.fromJSON}, marking the job invalid rather than throwing on bad JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: the signature BullMQ declares for Job.fromJSON.
  static override fromJSON<T = any, R = any, N extends string = string>(
    queue: MinimalQueue,
    json: JobJsonRaw,
    jobId?: string,
  ): Job<T, R, N> {
    const dataError = unparsable(json.data);
    const progressError = unparsable(json.progress);
    if (!dataError && !progressError) return Job.fromJSON<T, R, N>(queue, json, jobId);
    const job = Job.fromJSON<T, R, N>(
      queue,
      { ...json, data: dataError ? "{}" : json.data, progress: progressError ? "0" : json.progress },
      jobId,
    );
    invalidReasons.set(job, `its ${dataError ? "data" : "progress"} in Redis is not valid JSON`);
    return job;
  }
}

/** Why `job`'s stored data is unusable, or null for a well-formed job. */
export function invalidJobData(job: Job): string | null {
  return invalidReasons.get(job) ?? null;
}

/** The error a worker fails an invalid job with: once, permanently, saying why. */
export function invalidJobError(job: Job): TidemarkError {
  return new TidemarkError(
    "TM_JOB_INVALID",
    `Job ${job.id} (${job.name}) cannot run: ${invalidJobData(job) ?? "its data is unusable"}. Something other than Tidemark wrote it; it was failed without running. Enqueue the job again with \`pnpm cli\` or POST /migrations/jobs.`,
    { details: { jobId: job.id ?? null, job: job.name } },
  );
}

/** A Queue whose readers tolerate invalid job data (see {@link TolerantJob}). */
export class TolerantQueue extends Queue {
  protected override get Job(): typeof Job {
    // The generic constructor signature of Job cannot be restated for a subclass.
    return TolerantJob as unknown as typeof Job;
  }
}

/** A Worker that takes invalid jobs instead of crashing on them, so its processor can fail them. */
export class TolerantWorker extends Worker {
  protected override get Job(): typeof Job {
    // The generic constructor signature of Job cannot be restated for a subclass.
    return TolerantJob as unknown as typeof Job;
  }
}
