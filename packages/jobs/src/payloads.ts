import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { z } from "zod";
import { isJobName, type JobName } from "./names.js";

/** Who asked for a job: recorded in the job and shown by `jobs` listings. */
export const requestedBySchema = z.object({
  via: z.enum(["cli", "api", "worker", "test"]),
  host: z.string().min(1),
  pid: z.number().int().nonnegative(),
  user: z.string().min(1).optional(),
});

/**
 * The database a job is for, as the requester sees it; the worker refuses a job for another
 * database than its own (TM_WRONG_DATABASE). Optional, so jobs from older requesters still run.
 */
export const databaseIdentitySchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().positive(),
  database: z.string().min(1),
  systemIdentifier: z.string().regex(/^\d+$/).nullable(),
});

/** A revision id or prefix as typed by a user (`0003`, `0003_add_user_avatar_url`). */
const revision = z
  .string()
  .regex(/^[\w.-]+$/, "must be a revision id such as 0003 or 0003_add_user_avatar_url");

// Strict objects: a misspelt option (`{ too: "0003" }`) must fail loudly rather than
// silently upgrading to the newest revision.
/** Payload schema of each job; every payload carries `requestedBy`. */
export const jobPayloadSchemas = {
  upgrade: z.strictObject({
    to: revision.optional(),
    dryRun: z.boolean().optional(),
    singleTransaction: z.boolean().optional(),
    requestedBy: requestedBySchema,
    database: databaseIdentitySchema.optional(),
  }),
  rollback: z.strictObject({
    /** `prev`, `base`, or a revision to end at. */
    to: z.union([z.literal("prev"), z.literal("base"), revision]),
    noBackup: z.boolean().optional(),
    /** Run downs marked unverified by adopt instead of refusing them. */
    acceptUnverified: z.boolean().optional(),
    requestedBy: requestedBySchema,
    database: databaseIdentitySchema.optional(),
  }),
  backup: z.strictObject({
    label: z
      .string()
      .regex(/^[\w.-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'")
      .optional(),
    requestedBy: requestedBySchema,
    database: databaseIdentitySchema.optional(),
  }),
  restore: z.strictObject({
    /** A file inside BACKUP_DIR (the engine confines it). */
    file: z.string().min(1),
    noBackup: z.boolean().optional(),
    /** Allow a dump taken from another database; refused without it. */
    fromOtherDatabase: z.boolean().optional(),
    requestedBy: requestedBySchema,
    database: databaseIdentitySchema.optional(),
  }),
} as const satisfies Record<JobName, z.ZodType>;

/** The validated payload of job `N`. */
export type JobPayload<N extends JobName = JobName> = z.infer<(typeof jobPayloadSchemas)[N]>;

/** Who asked for a job. */
export type RequestedBy = z.infer<typeof requestedBySchema>;

/** Format zod issues one per line, like the engine's config errors. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join(".") || "(payload)"}: ${i.message}`).join("\n");
}

/**
 * Validate `data` as the payload of job `name`. Both ends call it: the producer before
 * enqueuing, the worker before running anything. Throws TM_PAYLOAD_INVALID.
 */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N>;
export function parsePayload(name: string, data: unknown): JobPayload;
export function parsePayload(name: string, data: unknown): JobPayload {
  if (!isJobName(name)) {
    throw new TidemarkError(
      "TM_PAYLOAD_INVALID",
      `Unknown job "${name}". Jobs are: upgrade, rollback, backup, restore.`,
      { details: { job: name } },
    );
  }
  const result = jobPayloadSchemas[name].safeParse(data);
  if (!result.success) {
    throw new TidemarkError(
      "TM_PAYLOAD_INVALID",
      `Invalid ${name} payload:\n${formatIssues(result.error)}\nFix the request and enqueue it again.`,
      { details: { job: name, issues: result.error.issues } },
    );
  }
  return result.data;
}
