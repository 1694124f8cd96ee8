import type { FleetAction } from "./names.js";
import { countOutcomes, type FleetReport, needsRerun, type TargetOutcome } from "./outcome.js";
import type { FleetPayload } from "./payloads.js";

/** What a run does next, decided each time its parent job runs (start, after each wave). */
export type FleetStep =
  | { kind: "run"; targets: string[]; attempt: number; wave: number | "resume" }
  | { kind: "stop"; status: "completed" | "halted" | "cancelled" | "incomplete"; failed: TargetOutcome[] };

/** The canary wave (when there is one) followed by the waves. */
export function allWaves(plan: Pick<FleetPayload, "canary" | "waves">): string[][] {
  return plan.canary.length ? [plan.canary, ...plan.waves] : plan.waves;
}

/** Waves with at least one target started. */
export function wavesStarted(
  plan: Pick<FleetPayload, "canary" | "waves">,
  outcomes: TargetOutcome[],
): number {
  const started = new Set(outcomes.filter((o) => o.attempt > 0).map((o) => o.target));
  return allWaves(plan).filter((w) => w.some((t) => started.has(t))).length;
}

/** A run's account of every target, as its parent returns it and as views show it. */
export function fleetReport(
  run: { fleetId: string; action: FleetAction; status: FleetReport["status"] },
  plan: Pick<FleetPayload, "canary" | "waves">,
  outcomes: TargetOutcome[],
): FleetReport {
  return {
    ...run,
    wavesStarted: wavesStarted(plan, outcomes),
    waveCount: allWaves(plan).length,
    targets: outcomes,
    counts: countOutcomes(outcomes),
  };
}

/**
 * The one rule of a run, pure so it can be tested without Redis: a resumed run first runs
 * its failed and skipped targets again; a cancelled run stops; a failed canary, or more
 * failures than tolerated, halts the run before its next wave; otherwise the next wave runs.
 */
export function decideNext(plan: FleetPayload, outcomes: TargetOutcome[], cancelled: boolean): FleetStep {
  const attempt = plan.resumes + 1;
  const failed = outcomes.filter((o) => o.status === "failed");
  if (cancelled) return { kind: "stop", status: "cancelled", failed };
  const rerun = outcomes.filter((o) => needsRerun(o) && o.attempt < attempt).map((o) => o.target);
  if (rerun.length) return { kind: "run", targets: rerun, attempt, wave: "resume" };

  const notStarted = new Set(outcomes.filter((o) => o.status === "not-started").map((o) => o.target));
  const waves = allWaves(plan);
  const next = waves.findIndex((w) => w.some((t) => notStarted.has(t)));
  if (next === -1) return { kind: "stop", status: failed.length ? "incomplete" : "completed", failed };
  const canaryFailed = plan.canary.length > 0 && failed.some((o) => plan.canary.includes(o.target));
  if (canaryFailed || failed.length > plan.maxFailures) return { kind: "stop", status: "halted", failed };
  return { kind: "run", targets: (waves[next] ?? []).filter((t) => notStarted.has(t)), attempt, wave: next };
}
