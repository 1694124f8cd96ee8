import { type ErrorCode, errorCodes, isTidemarkError, TidemarkError } from "@tidemark/migrate/modules/errors";
import { redactUrls } from "@tidemark/migrate/modules/redact";
import { UnrecoverableError } from "bullmq";

/**
 * How a job's error crosses Redis. BullMQ keeps only `failedReason` (the message) and the
 * stack, so the worker writes the stack as `CODE: message`, then one line with the
 * details as JSON, then the original frames; the caller reads them back. The failedReason
 * stays the plain human message any BullMQ dashboard shows.
 */
const DETAILS_MARK = "    tidemark.details ";

/** A job's error as the caller sees it. */
export interface JobFailure {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCodes, code);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "{}";
  } catch {
    return "{}";
  }
}

/**
 * Worker side: turn whatever the engine threw into the Error a processor throws.
 * `unrecoverable` makes BullMQ fail the job without retrying (a bad payload never improves).
 */
export function toJobError(err: unknown, options: { unrecoverable?: boolean } = {}): Error {
  const code: ErrorCode = isTidemarkError(err) ? err.code : "TM_INTERNAL";
  const message = redactUrls(err instanceof Error ? err.message : String(err));
  const details = isTidemarkError(err) ? err.details : {};
  const out = options.unrecoverable ? new UnrecoverableError(message) : new Error(message);
  const frames = (err instanceof Error ? (err.stack ?? "") : "").split("\n").filter((l) => /^\s+at /.test(l));
  out.stack = [`${code}: ${message}`, `${DETAILS_MARK}${redactUrls(safeJson(details))}`, ...frames].join(
    "\n",
  );
  return out;
}

/** Caller side: read the code, message and details of a failed job back from BullMQ's fields. */
export function readJobFailure(failedReason: string | undefined, stacktrace: string[] | null): JobFailure {
  const message = failedReason || "the job failed without a message";
  if (/stalled more than allowable limit/.test(message)) {
    return {
      code: "TM_INTERNAL",
      message:
        "The worker died while running this job more than once (job stalled more than allowable limit). Check the worker's logs and `pnpm cli status`, then enqueue the job again.",
      details: { reason: message },
    };
  }
  const last = stacktrace?.at(-1) ?? "";
  const code = /^(TM_[A-Z_]+): /.exec(last)?.[1];
  let details: Record<string, unknown> = {};
  const line = last.split("\n").find((l) => l.startsWith(DETAILS_MARK));
  if (line) {
    try {
      details = JSON.parse(line.slice(DETAILS_MARK.length)) as Record<string, unknown>;
    } catch {
      // A mangled details line still leaves a usable code and message.
    }
  }
  return { code: isErrorCode(code) ? code : "TM_INTERNAL", message, details };
}

/** The TM_JOB_FAILED error a caller receives; details carry the job's own code, message and revision. */
export function jobFailedError(jobId: string, name: string, failure: JobFailure): TidemarkError {
  return new TidemarkError("TM_JOB_FAILED", `The ${name} job ${jobId} failed: ${failure.message}`, {
    details: { ...failure.details, jobId, job: name, code: failure.code, message: failure.message },
  });
}

/**
 * Re-throwable form of a TM_JOB_FAILED error: the job's own code and message (so the CLI
 * exits and the API answers as if the engine had run in-process). Other errors pass through.
 */
export function unwrapJobFailure(err: unknown): unknown {
  if (!isTidemarkError(err) || err.code !== "TM_JOB_FAILED") return err;
  const { code, message } = err.details;
  if (!isErrorCode(code) || typeof message !== "string") return err;
  return new TidemarkError(code, message, { cause: err, details: err.details });
}
