import { z } from "zod";
import { fleetActions } from "./names.js";

/** How one target fared in a run. */
export const targetStatuses = [
  "applied",
  "unchanged",
  "failed",
  "skipped",
  "running",
  "waiting",
  "not-started",
] as const;

/** What a run knows of one target: the child's result, its failure, or that it has not run yet. */
export const targetOutcomeSchema = z.object({
  target: z.string(),
  status: z.enum(targetStatuses),
  /** Child attempts so far (1 + resumes that ran it again); 0 before it started. */
  attempt: z.number().int().min(0),
  from: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  /** Migrations applied (or rolled back) by this run. */
  steps: z.number().int().min(0).optional(),
  backupFile: z.string().optional(),
  durationMs: z.number().min(0).optional(),
  /** Why the child was skipped (the run was cancelled before it started). */
  reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** What a run knows of one target. */
export type TargetOutcome = z.infer<typeof targetOutcomeSchema>;

/** The statuses a finished child reports (what a child job returns). */
export const childStatuses = ["applied", "unchanged", "skipped"] as const;

/** A run's account of every target: the parent's result, or the details of its failure. */
export const fleetReportSchema = z.object({
  fleetId: z.string(),
  action: z.enum(fleetActions),
  status: z.enum(["completed", "halted", "cancelled", "incomplete", "running"]),
  /** Waves started, counting the canary wave when there is one. */
  wavesStarted: z.number().int().min(0),
  waveCount: z.number().int().min(0),
  targets: z.array(targetOutcomeSchema),
  counts: z.record(z.enum(targetStatuses), z.number().int()),
});

/** A run's account of every target. */
export type FleetReport = z.infer<typeof fleetReportSchema>;

/** Count outcomes by status (every status present, zero when none). */
export function countOutcomes(outcomes: TargetOutcome[]): FleetReport["counts"] {
  const counts = Object.fromEntries(targetStatuses.map((s) => [s, 0])) as FleetReport["counts"];
  for (const o of outcomes) counts[o.status] += 1;
  return counts;
}

/** True for the outcome of a target that must run again when the run is resumed. */
export function needsRerun(o: TargetOutcome): boolean {
  return o.status === "failed" || o.status === "skipped";
}
