import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { passwordEnvPattern, targetNamePattern } from "@tidemark/migrate/modules/fleet/validate";
import { z } from "zod";
import { databaseIdentitySchema, formatIssues, jobPayloadSchemas, requestedBySchema } from "../payloads.js";
import { type FleetAction, type FleetJobName, fleetActions, isFleetJobName } from "./names.js";

/** `user:password@` in a URL: refused, since payloads travel through Redis and into logs. */
const hasPassword = (url: string): boolean => {
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
};

/** A target as a payload carries it: a name, a URL without password, where the password is. */
export const fleetTargetSchema = z.strictObject({
  name: z.string().regex(targetNamePattern, "must be 1-64 letters, digits, '.', '_' or '-'"),
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .refine((u) => !hasPassword(u), "must not carry a password (use passwordEnv or a pgpass entry)"),
  passwordEnv: z.string().regex(passwordEnvPattern).optional(),
});

/** What each action does to one target: the single job's options, minus who and where. */
export const fleetInputSchemas = {
  upgrade: jobPayloadSchemas.upgrade.omit({ requestedBy: true, database: true, dryRun: true }),
  rollback: jobPayloadSchemas.rollback.omit({ requestedBy: true, database: true }),
  backup: jobPayloadSchemas.backup.omit({ requestedBy: true, database: true }),
} as const satisfies Record<FleetAction, z.ZodType>;

/** The options of action `A` for every target of a run. */
export type FleetInput<A extends FleetAction = FleetAction> = z.infer<(typeof fleetInputSchemas)[A]>;

const planFields = {
  targets: z.array(fleetTargetSchema).min(1),
  /** Run first; any canary failing halts the run. */
  canary: z.array(z.string()),
  /** Run after the canaries, one wave after another. */
  waves: z.array(z.array(z.string()).min(1)),
  /** Failed targets tolerated before the run halts ahead of its next wave. */
  maxFailures: z.number().int().min(0),
  requestedBy: requestedBySchema,
  /** How many times the run was resumed; each resume runs its failed targets again. */
  resumes: z.number().int().min(0).default(0),
};

/** Every target in exactly one of canary or waves, and nothing else. */
function checkPlan(
  plan: { targets: { name: string }[]; canary: string[]; waves: string[][] },
  ctx: z.RefinementCtx,
) {
  const names = plan.targets.map((t) => t.name);
  const planned = [...plan.canary, ...plan.waves.flat()];
  const dup =
    names.find((n, i) => names.indexOf(n) !== i) ?? planned.find((n, i) => planned.indexOf(n) !== i);
  if (dup) ctx.addIssue({ code: "custom", message: `target "${dup}" appears twice` });
  const unplanned = names.filter((n) => !planned.includes(n));
  const unknown = planned.filter((n) => !names.includes(n));
  if (unplanned.length)
    ctx.addIssue({ code: "custom", message: `targets in no wave: ${unplanned.join(", ")}` });
  if (unknown.length)
    ctx.addIssue({ code: "custom", message: `unknown targets in waves: ${unknown.join(", ")}` });
}

const fleetPayload = <A extends FleetAction>(action: A) =>
  z.strictObject({ ...planFields, input: fleetInputSchemas[action] }).superRefine(checkPlan);

/** Payload of each fleet parent job. */
export const fleetPayloadSchemas = {
  "fleet-upgrade": fleetPayload("upgrade"),
  "fleet-rollback": fleetPayload("rollback"),
  "fleet-backup": fleetPayload("backup"),
} as const satisfies Record<FleetJobName, z.ZodType>;

/** The validated payload of a fleet parent job. */
export type FleetPayload = z.infer<(typeof fleetPayloadSchemas)[FleetJobName]>;

/** Payload of a child job: one target of one run. */
export const targetPayloadSchema = z.strictObject({
  fleetId: z.string().uuid(),
  action: z.enum(fleetActions),
  target: fleetTargetSchema,
  input: z.record(z.string(), z.unknown()),
  requestedBy: requestedBySchema,
  /** Where the target is, as single jobs name their database. */
  database: databaseIdentitySchema,
});

/** The validated payload of a child job. */
export type TargetPayload = z.infer<typeof targetPayloadSchema>;

function invalid(what: string, error: z.ZodError): TidemarkError {
  return new TidemarkError(
    "TM_PAYLOAD_INVALID",
    `Invalid ${what} payload:\n${formatIssues(error)}\nFix the request and enqueue it again.`,
    { details: { job: what, issues: error.issues } },
  );
}

/** Validate a fleet parent's payload (both ends call it). Throws TM_PAYLOAD_INVALID. */
export function parseFleetPayload(name: string, data: unknown): FleetPayload {
  if (!isFleetJobName(name)) throw new TidemarkError("TM_PAYLOAD_INVALID", `Unknown fleet job "${name}".`);
  const result = fleetPayloadSchemas[name].safeParse(data);
  if (!result.success) throw invalid(name, result.error);
  return result.data;
}

/** Validate a child's payload, including its input against its action. Throws TM_PAYLOAD_INVALID. */
export function parseTargetPayload(name: string, data: unknown): TargetPayload {
  const result = targetPayloadSchema.safeParse(data);
  if (!result.success) throw invalid(name, result.error);
  const input = fleetInputSchemas[result.data.action].safeParse(result.data.input);
  if (!input.success) throw invalid(name, input.error);
  return { ...result.data, input: input.data };
}
