import { identityFromUrl } from "@tidemark/migrate/modules/identity";
import type { FlowChildJob } from "bullmq";
import { FLEET_QUEUE_NAME, type FleetAction, targetJobId, targetJobName } from "./names.js";
import type { FleetPayload, TargetPayload } from "./payloads.js";

/** Children are kept long enough for the largest fleets' reports to read their errors back. */
export const fleetRetention = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
} as const;

/** The child jobs that run `targets` of a run, as a flow (or a parent step) adds them. */
export function targetChildren(
  fleetId: string,
  action: FleetAction,
  plan: FleetPayload,
  step: { targets: string[]; attempt: number },
): FlowChildJob[] {
  return step.targets.map((name) => {
    const target = plan.targets.find((t) => t.name === name);
    if (!target) throw new Error(`target ${name} is not in the run's plan`);
    const data: TargetPayload = {
      fleetId,
      action,
      target,
      input: plan.input,
      requestedBy: plan.requestedBy,
      database: identityFromUrl(target.url),
    };
    return {
      name: targetJobName(action),
      queueName: FLEET_QUEUE_NAME,
      data,
      opts: {
        jobId: targetJobId(fleetId, step.attempt, name),
        attempts: 1,
        // A failed target is the parent's to judge (halt or go on), not a reason to stall it.
        ignoreDependencyOnFailure: true,
        ...fleetRetention,
      },
    };
  });
}
