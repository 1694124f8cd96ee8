import { type BackupInfo, type RestoreReport, type RunReport, TidemarkError } from "@tidemark/migrate";
import { z } from "zod";
import type { JobName } from "./names.js";

const stepReportSchema = z.object({
  revision: z.string(),
  direction: z.enum(["up", "down"]),
  durationMs: z.number(),
  statements: z.number(),
});

/** The engine's RunReport, as an upgrade or rollback job returns it. */
export const runReportSchema = z
  .object({
    direction: z.enum(["up", "down"]),
    from: z.string().nullable(),
    to: z.string().nullable(),
    dryRun: z.boolean(),
    steps: z.array(stepReportSchema),
    backupFile: z.string().optional(),
    interrupted: z.boolean().optional(),
  })
  // Loose: a newer worker may add fields; an older caller must still accept the report.
  .loose() satisfies z.ZodType<RunReport>;

/** The engine's BackupInfo, as a backup job returns it. */
export const backupInfoSchema = z
  .object({
    file: z.string(),
    name: z.string(),
    database: z.string(),
    revision: z.string().nullable(),
    sha256: z.string(),
    size: z.number(),
    serverVersion: z.string(),
    createdAt: z.string(),
    label: z.string().optional(),
    reason: z.string().optional(),
  })
  .loose() satisfies z.ZodType<BackupInfo>;

/** The engine's RestoreReport, as a restore job returns it. */
export const restoreReportSchema = z
  .object({
    file: z.string(),
    safetyBackup: z.string().nullable(),
    revision: z.string().nullable(),
    pending: z.array(z.string()),
    extraTables: z.array(z.string()),
    source: z
      .object({
        database: z.string(),
        systemIdentifier: z.string().nullable(),
        revision: z.string().nullable(),
        createdAt: z.string(),
      })
      .loose(),
  })
  .loose() satisfies z.ZodType<RestoreReport>;

/** Result schema of each job, checked by the worker before returning and by the caller on receipt. */
export const jobResultSchemas = {
  upgrade: runReportSchema,
  rollback: runReportSchema,
  backup: backupInfoSchema,
  restore: restoreReportSchema,
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
export const JobResult = z.union([runReportSchema, backupInfoSchema, restoreReportSchema]);

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
