import {
  type BackupInfo,
  backupInfoSchema,
  type RestoreReport,
  type RunReport,
  restoreReportSchema,
  runReportSchema,
  TidemarkError,
} from "@tidemark/migrate";
import { z } from "zod";
import type { JobName } from "./names.js";

// The shapes are the engine's own report schemas. Loose: a newer worker may add fields; an
// older caller must still accept the report.
const runResult = runReportSchema.loose();
const backupResult = backupInfoSchema.loose();
const restoreResult = restoreReportSchema.loose();

/** Result schema of each job, checked by the worker before returning and by the caller on receipt. */
export const jobResultSchemas = {
  upgrade: runResult,
  rollback: runResult,
  backup: backupResult,
  restore: restoreResult,
} as const satisfies Record<JobName, z.ZodType>;

/** What each job returns. */
export interface JobResults {
  upgrade: RunReport;
  rollback: RunReport;
  backup: BackupInfo;
  restore: RestoreReport;
}

/** The result of any job: a RunReport, a backup's info or a restore's report. */
export type JobResult = JobResults[JobName];

/** The result schema of any job, for callers that do not know the job's name yet. */
export const JobResult = z.union([runResult, backupResult, restoreResult]);

/** Validate a job's return value; a mismatch means worker and caller run different versions. */
export function parseResult<N extends JobName>(name: N, value: unknown): JobResults[N] {
  const result = jobResultSchemas[name].safeParse(value);
  if (!result.success) {
    throw new TidemarkError(
      "TM_INTERNAL",
      `The ${name} job returned a result this version does not understand; run the same Tidemark version in the worker and here.`,
      { details: { job: name, issues: result.error.issues } },
    );
  }
  return result.data as unknown as JobResults[N];
}
