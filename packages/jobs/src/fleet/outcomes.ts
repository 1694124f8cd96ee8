import type { Job, Queue } from "bullmq";
import { readJobFailure } from "../job-error.js";
import { parseTargetJobId } from "./names.js";
import { type TargetOutcome, targetOutcomeSchema } from "./outcome.js";
import type { FleetPayload } from "./payloads.js";

interface ChildRef {
  attempt: number;
  id: string;
  processed?: unknown;
  failedReason?: string;
}

/** The newest child of each target among a parent's dependencies. */
async function latestChildren(parent: Job): Promise<Map<string, ChildRef>> {
  const deps = await parent.getDependencies();
  const latest = new Map<string, ChildRef>();
  const consider = (key: string, ref: Omit<ChildRef, "attempt" | "id">) => {
    const parsed = parseTargetJobId(key);
    if (!parsed) return;
    const known = latest.get(parsed.target);
    if (known && known.attempt >= parsed.attempt) return;
    latest.set(parsed.target, { attempt: parsed.attempt, id: key.slice(key.lastIndexOf(":") + 1), ...ref });
  };
  for (const [key, value] of Object.entries(deps.processed ?? {})) consider(key, { processed: value });
  for (const [key, reason] of Object.entries(deps.ignored ?? {})) consider(key, { failedReason: reason });
  for (const key of deps.unprocessed ?? []) consider(key, {});
  for (const key of deps.failed ?? []) consider(key, { failedReason: "failed" });
  return latest;
}

/** A child that failed: its code and message, read back from the child's own job. */
async function failedOutcome(fleetQueue: Queue, name: string, ref: ChildRef): Promise<TargetOutcome> {
  const child = await fleetQueue.getJob(ref.id);
  const failure = readJobFailure(child?.failedReason ?? ref.failedReason, child?.stacktrace ?? null);
  return {
    target: name,
    status: "failed",
    attempt: ref.attempt,
    error: { code: failure.code, message: failure.message },
    ...(child?.processedOn && child.finishedOn ? { durationMs: child.finishedOn - child.processedOn } : {}),
  };
}

async function outcomeOf(
  fleetQueue: Queue,
  name: string,
  ref: ChildRef | undefined,
  active: () => Promise<Set<string>>,
): Promise<TargetOutcome> {
  if (!ref) return { target: name, status: "not-started", attempt: 0 };
  if (ref.failedReason !== undefined) return failedOutcome(fleetQueue, name, ref);
  if (ref.processed !== undefined) {
    const parsed = targetOutcomeSchema.safeParse(ref.processed);
    if (parsed.success) return { ...parsed.data, target: name, attempt: ref.attempt };
    return {
      target: name,
      status: "failed",
      attempt: ref.attempt,
      error: {
        code: "TM_INTERNAL",
        message: "The target's job returned a result this version does not understand.",
      },
    };
  }
  const running = (await active()).has(ref.id);
  return { target: name, status: running ? "running" : "waiting", attempt: ref.attempt };
}

/** Every target of a run, in the targets' order, with the newest news of each. */
export async function readOutcomes(
  parent: Job,
  fleetQueue: Queue,
  plan: FleetPayload,
): Promise<TargetOutcome[]> {
  const latest = await latestChildren(parent);
  // One read of the running children for all targets, and only when some are unfinished.
  let activeIds: Promise<Set<string>> | undefined;
  const active = () => {
    activeIds ??= fleetQueue.getActive().then((jobs) => new Set(jobs.map((j) => j.id ?? "")));
    return activeIds;
  };
  return Promise.all(plan.targets.map((t) => outcomeOf(fleetQueue, t.name, latest.get(t.name), active)));
}
