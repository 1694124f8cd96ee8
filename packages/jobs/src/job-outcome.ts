import { TidemarkError } from "@tidemark/migrate";
import type { Job, Queue } from "bullmq";
import { findFinishedEvent } from "./events-stream.js";
import { jobFailedError, readJobFailure } from "./job-error.js";
import { isJobName } from "./names.js";
import { JobResult, parseResult } from "./results.js";

/** A job still on its way: its state, name and the last progress its worker reported. */
export interface PendingJob {
  final: false;
  state: string;
  name: string;
  progress: unknown;
  /** How many times a worker died holding it (BullMQ's stalled counter). */
  stalled: number;
}

/** A job that finished (or vanished): read its result, or throw its error. */
export interface FinishedJob {
  final: true;
  outcome: () => Promise<JobResult>;
}

/** Parse a job's return value by its name (any known shape when the name is not known). */
export function parseAny(name: string | undefined, value: unknown): JobResult {
  if (name && isJobName(name)) return parseResult(name, value);
  const result = JobResult.safeParse(value);
  if (!result.success)
    throw new TidemarkError("TM_INTERNAL", "A job returned a result this version does not understand.");
  return result.data;
}

/** The typed error of a failed job, read back from its hash (stack carries code and details). */
export async function failedJob(queue: Queue, jobId: string, reason: string, name?: string, job?: Job) {
  const j = job ?? (await queue.getJob(jobId));
  return jobFailedError(jobId, j?.name ?? name ?? "job", readJobFailure(reason, j?.stacktrace ?? null));
}

/** A job no longer in the queue: answered from the event stream, or TM_JOB_NOT_FOUND. */
export async function missingJob(queue: Queue, jobId: string, name?: string): Promise<JobResult> {
  const ev = await findFinishedEvent(queue, jobId);
  if (ev?.event === "completed") return parseAny(name, ev.returnvalue);
  if (ev?.event === "failed") throw await failedJob(queue, jobId, ev.failedReason, name);
  throw new TidemarkError(
    "TM_JOB_NOT_FOUND",
    `Job ${jobId} does not exist in queue "${queue.name}" (prefix ${queue.opts.prefix}); finished jobs are trimmed after a while, see \`pnpm cli history\` for what ran.`,
    { details: { jobId } },
  );
}

async function completedResult(queue: Queue, jobId: string, name: string): Promise<JobResult> {
  const fresh = await queue.getJob(jobId);
  if (fresh?.returnvalue != null) return parseAny(name, fresh.returnvalue);
  return missingJob(queue, jobId, name); // trimmed meanwhile: the event stream still has the result
}

async function failedAgain(queue: Queue, jobId: string, name: string): Promise<JobResult> {
  const fresh = await queue.getJob(jobId);
  if (fresh) throw await failedJob(queue, jobId, fresh.failedReason, name, fresh);
  return missingJob(queue, jobId, name); // trimmed meanwhile: the event stream still has the reason
}

/** Read a job's state once: still pending, or finished with a way to read its outcome. */
export async function inspectJob(queue: Queue, jobId: string): Promise<PendingJob | FinishedJob> {
  const job = await queue.getJob(jobId);
  const state = job ? await job.getState() : "unknown";
  if (!job || state === "unknown") return { final: true, outcome: () => missingJob(queue, jobId) };
  // The job was read before getState(): if it finished in between, the copy in hand has
  // no returnvalue or failedReason yet. Read the job again rather than trust that copy.
  if (state === "completed") return { final: true, outcome: () => completedResult(queue, jobId, job.name) };
  if (state === "failed") return { final: true, outcome: () => failedAgain(queue, jobId, job.name) };
  return { final: false, state, name: job.name, progress: job.progress, stalled: job.stalledCounter ?? 0 };
}
