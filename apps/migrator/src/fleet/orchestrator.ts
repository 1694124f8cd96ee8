import {
  decideNext,
  type FleetJobName,
  type FleetPayload,
  type FleetReport,
  type FleetStep,
  fleetAction,
  fleetReport,
  isCancelled,
  parseFleetPayload,
  readOutcomes,
  type TargetOutcome,
  targetChildren,
  toJobError,
} from "@tidemark/jobs";
import { type ErrorCode, TidemarkError } from "@tidemark/migrate";
import { type Job, type Queue, WaitingChildrenError } from "bullmq";
import type { Logger } from "pino";

/** What the orchestrator needs from the worker around it. */
export interface OrchestratorDeps {
  /** The queue of children, where each wave is added. */
  fleetQueue: Queue;
  logger: Logger;
}

const stopCodes: Record<Exclude<FleetReport["status"], "completed" | "running">, ErrorCode> = {
  halted: "TM_FLEET_HALTED",
  cancelled: "TM_FLEET_CANCELLED",
  incomplete: "TM_FLEET_INCOMPLETE",
};

/** "1 target", "2 targets": a halt after one failure is the common case and must read right. */
const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** At most this many failed targets are spelt out in a message; the report has them all. */
const NAMED_FAILURES = 10;

function failureLines(failed: TargetOutcome[]): string {
  const lines = failed
    .slice(0, NAMED_FAILURES)
    .map((o) => `  ${o.target}: ${o.error?.code ?? "TM_INTERNAL"}: ${o.error?.message ?? "failed"}`);
  if (failed.length > NAMED_FAILURES)
    lines.push(`  … and ${failed.length - NAMED_FAILURES} more (\`pnpm cli fleet jobs\`)`);
  return lines.join("\n");
}

function stopMessage(
  fleetId: string,
  plan: FleetPayload,
  report: FleetReport,
  failed: TargetOutcome[],
): string {
  const resume = `\`pnpm cli fleet resume ${fleetId}\``;
  const { counts } = report;
  if (report.status === "cancelled") {
    return `Fleet run ${fleetId} was cancelled after ${report.wavesStarted} of ${report.waveCount} waves: ${counts.applied + counts.unchanged} targets done, ${counts.skipped} skipped, ${counts["not-started"]} not started, ${counts.failed} failed. ${resume} runs the rest.`;
  }
  const failedCanary = failed.some((o) => plan.canary.includes(o.target));
  const why =
    report.status === "halted"
      ? `halted before wave ${report.wavesStarted + 1} of ${report.waveCount}: ${failedCanary ? "a canary failed" : `${count(failed.length, "target")} failed, more than --max-failures ${plan.maxFailures}`}`
      : `went through all ${count(report.waveCount, "wave")} but ${failed.length} of ${plan.targets.length} targets failed`;
  return `Fleet run ${fleetId} ${why}.\n${failureLines(failed)}\nFix them, then ${resume}; the other targets are at the revision their own run reached.`;
}

function finish(
  job: Job,
  plan: FleetPayload,
  outcomes: TargetOutcome[],
  step: Extract<FleetStep, { kind: "stop" }>,
  log: Logger,
): FleetReport {
  const run = { fleetId: job.id ?? "", action: fleetAction(job.name as FleetJobName), status: step.status };
  const report = fleetReport(run, plan, outcomes);
  if (step.status === "completed") {
    log.info({ counts: report.counts }, "fleet run completed");
    return report;
  }
  const message = stopMessage(report.fleetId, plan, report, step.failed);
  log.warn({ status: step.status, counts: report.counts }, "fleet run stopped");
  // Unrecoverable: a halted run waits for `fleet resume`, never for BullMQ's retries.
  throw toJobError(new TidemarkError(stopCodes[step.status], message, { details: { report } }), {
    unrecoverable: true,
  });
}

/**
 * The parent job of a fleet run. It runs at the start and again each time a wave's children
 * have all finished: it reads every target's outcome, asks {@link decideNext} what comes next,
 * adds that wave's children and waits for them. Children have deterministic ids, so a step
 * run twice (its worker died) adds nothing twice.
 */
export function createOrchestrator(deps: OrchestratorDeps) {
  return async (job: Job, token?: string): Promise<FleetReport> => {
    const log = deps.logger.child({ fleetId: job.id, job: job.name });
    let plan: FleetPayload;
    try {
      plan = parseFleetPayload(job.name, job.data);
    } catch (err) {
      log.error({ err }, "fleet payload rejected");
      throw toJobError(err, { unrecoverable: true });
    }
    const fleetId = job.id ?? "";
    const action = fleetAction(job.name as FleetJobName);
    for (;;) {
      const outcomes = await readOutcomes(job, deps.fleetQueue, plan);
      const step = decideNext(plan, outcomes, await isCancelled(deps.fleetQueue, fleetId));
      if (step.kind === "stop") return finish(job, plan, outcomes, step, log);
      log.info(
        { wave: step.wave, targets: step.targets.length, attempt: step.attempt },
        "fleet wave started",
      );
      const parent = { id: fleetId, queue: job.queueQualifiedName };
      await deps.fleetQueue.addBulk(
        targetChildren(fleetId, action, plan, step).map((c) => ({
          name: c.name,
          data: c.data,
          opts: { ...c.opts, parent },
        })),
      );
      await job.updateProgress({ type: "fleet-wave", wave: step.wave, targets: step.targets });
      // False when the wave already finished (fast children): decide again at once.
      if (await job.moveToWaitingChildren(token ?? "")) throw new WaitingChildrenError();
    }
  };
}
