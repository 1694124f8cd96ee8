import { redactUrls } from "@tidemark/migrate";
import type { Job, JobState } from "bullmq";
import { readJobFailure } from "./job-error.js";
import { invalidJobData } from "./poisoned.js";
import type { JobResult } from "./results.js";

/** A job as the CLI's `jobs` listing and `GET /migrations/jobs/:id` show it. */
export interface JobView {
  id: string;
  /** The job's name (a {@link JobName}, unless the job was added by hand). */
  name: string;
  state: JobState | "unknown";
  /** The last progress event (a ProgressEvent object), or 0 before the first one. */
  progress: unknown;
  /** The payload, with any password in a URL replaced by `***`. */
  payload: unknown;
  result: JobResult | null;
  failedReason: string | null;
  /** Stable code of the failure (TM_…), when the job failed. */
  errorCode: string | null;
  /** Runs started, counting re-runs after a stalled worker. */
  attempts: number;
  /** Which worker last took the job (BullMQ worker name), if known. */
  processedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Why the job's stored data is unusable (not JSON); null for a well-formed job. */
  invalid: string | null;
}

function iso(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}

/** Replace passwords in every string of a JSON value. */
export function redactDeep(value: unknown): unknown {
  if (typeof value === "string") return redactUrls(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  return value;
}

/** Build the public view of a BullMQ job whose state is already known. */
export function toJobView(job: Job, state: JobState | "unknown"): JobView {
  const failed = state === "failed";
  return {
    id: job.id ?? "",
    name: job.name,
    state,
    progress: job.progress ?? null,
    payload: redactDeep(job.data),
    result: state === "completed" ? ((job.returnvalue as JobResult | undefined) ?? null) : null,
    failedReason: failed ? (job.failedReason ?? null) : null,
    errorCode: failed ? readJobFailure(job.failedReason, job.stacktrace).code : null,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    processedBy: job.processedBy ?? null,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    invalid: invalidJobData(job),
  };
}
