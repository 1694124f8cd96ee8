import type { Job, JobState, Queue } from "bullmq";
import { readJobFailure } from "../job-error.js";
import { fleetReport } from "./decide.js";
import { type FleetJobName, fleetAction, isFleetJobName } from "./names.js";
import { type FleetReport, fleetReportSchema } from "./outcome.js";
import { readOutcomes } from "./outcomes.js";
import { parseFleetPayload } from "./payloads.js";

/** A run as `fleet jobs` and `GET /fleet/jobs/:id` show it. */
export interface FleetView {
  id: string;
  name: FleetJobName;
  /** The parent job's BullMQ state (`waiting-children` while a wave runs). */
  state: JobState | "unknown";
  report: FleetReport;
  /** Why the run stopped, when it did not complete. */
  error: { code: string; message: string } | null;
  maxFailures: number;
  resumes: number;
  createdAt: string;
  finishedAt: string | null;
  elapsedMs: number;
  /** Targets finished (applied, unchanged, failed, skipped) per second since the run was created. */
  targetsPerSecond: number;
}

function runStatus(state: JobState | "unknown", failureCode: string | null): FleetReport["status"] {
  if (state === "completed") return "completed";
  if (state !== "failed") return "running";
  if (failureCode === "TM_FLEET_CANCELLED") return "cancelled";
  if (failureCode === "TM_FLEET_INCOMPLETE") return "incomplete";
  return "halted";
}

/** The live view of a run's parent job: every target's newest outcome, read from its children. */
export async function toFleetView(
  parent: Job,
  state: JobState | "unknown",
  fleetQueue: Queue,
): Promise<FleetView> {
  if (!isFleetJobName(parent.name)) throw new Error(`job ${parent.id} is not a fleet run`);
  const plan = parseFleetPayload(parent.name, parent.data);
  const failure = state === "failed" ? readJobFailure(parent.failedReason, parent.stacktrace) : null;
  const completed = state === "completed" ? fleetReportSchema.safeParse(parent.returnvalue) : null;
  const targets = completed?.success ? completed.data.targets : await readOutcomes(parent, fleetQueue, plan);
  const report = fleetReport(
    {
      fleetId: parent.id ?? "",
      action: fleetAction(parent.name),
      status: runStatus(state, failure?.code ?? null),
    },
    plan,
    targets,
  );
  const { counts } = report;
  const finished = counts.applied + counts.unchanged + counts.failed + counts.skipped;
  const end = parent.finishedOn ?? Date.now();
  const elapsedMs = Math.max(0, end - parent.timestamp);
  return {
    id: parent.id ?? "",
    name: parent.name,
    state,
    report,
    error: failure ? { code: failure.code, message: failure.message } : null,
    maxFailures: plan.maxFailures,
    resumes: plan.resumes,
    createdAt: new Date(parent.timestamp).toISOString(),
    finishedAt: parent.finishedOn ? new Date(parent.finishedOn).toISOString() : null,
    elapsedMs,
    targetsPerSecond: elapsedMs > 0 ? Math.round((finished / elapsedMs) * 1000 * 100) / 100 : 0,
  };
}
