import { TidemarkError } from "@tidemark/migrate";
import type { Queue } from "bullmq";

/** What a waiter saw of its job, for a message that says exactly where the job stopped. */
export interface JobSighting {
  jobId: string;
  name: string;
  state: string;
  /** The last migration the job reported finished, if any. */
  lastFinished?: string;
  /** The migration the job reported starting and not finishing. */
  current?: string;
  /** How many times a worker already died holding this job. */
  stalled: number;
}

/** Jobs the engine resumes from the last applied revision when they run again. */
const RESUMABLE = new Set(["upgrade", "rollback"]);

/**
 * Whether a worker of this queue is connected. BullMQ names each worker's Redis client, so
 * CLIENT LIST says who is there; a killed worker's connection closes with its process. CLIENT
 * LIST may be disabled on managed Redis: then an active job's lock (renewed by its worker)
 * or, for a waiting job, any active job stands for a live worker.
 */
export async function workerAlive(queue: Queue, jobId: string, state: string): Promise<boolean> {
  try {
    return (await queue.getWorkersCount()) > 0;
  } catch {
    if (state !== "active") return (await queue.getActiveCount()) > 0;
    const client = (await queue.client) as unknown as { exists(key: string): Promise<number> };
    return (await client.exists(queue.toKey(`${jobId}:lock`))) === 1;
  }
}

/**
 * Turns liveness samples into two moments: `lost` once no worker was seen for `afterMs`,
 * and `back` when one is seen again after that. Short gaps (a worker restarting) say nothing.
 */
export class WorkerWatch {
  private missingSince: number | null = null;
  private lost = false;

  constructor(readonly afterMs: number) {}

  /** Feed one sample; returns the moment it marks, if any. */
  observe(alive: boolean, now: number): "lost" | "back" | null {
    if (alive) {
      this.missingSince = null;
      if (!this.lost) return null;
      this.lost = false;
      return "back";
    }
    this.missingSince ??= now;
    if (this.lost || now - this.missingSince < this.afterMs) return null;
    this.lost = true;
    return "lost";
  }

  /** A worker turned up after all (it took the job we meant to withdraw): count afresh. */
  reset(): void {
    this.missingSince = null;
    this.lost = false;
  }
}

/** Withdraw a waiting job nobody runs; false when a worker locked it meanwhile. */
export function withdrawJob(queue: Queue, jobId: string): Promise<boolean> {
  return queue
    .remove(jobId)
    .then((n) => n === 1)
    .catch(() => false);
}

function whereItStopped(s: JobSighting): string {
  if (s.state !== "active") return "It has not started.";
  const finished = s.lastFinished ? `The last migration it finished is ${s.lastFinished}` : "";
  const current = s.current ? `it was running ${s.current}` : "";
  if (finished && current) return `${finished}; ${current} when its worker went away.`;
  if (finished) return `${finished}.`;
  return current ? `It was running ${s.current} when its worker went away.` : "";
}

function fate(s: JobSighting, withdrawn: boolean): string {
  if (withdrawn) return "The job was withdrawn from the queue.";
  if (s.state !== "active") return "The job stays queued and runs when a worker starts.";
  if (!RESUMABLE.has(s.name))
    return `The job stays queued: when a worker starts, it takes the job over and runs the ${s.name} again from the start.`;
  if (s.stalled > 0)
    return "The job already lost a worker once, so the next worker marks it failed instead of running it a third time; run the command again and it resumes from the last applied revision.";
  return "The job stays queued: when a worker starts, it takes the job over and resumes from the last applied revision.";
}

function nextSteps(s: JobSighting, withdrawn: boolean): string {
  const start =
    "Start a worker with `pnpm --dir apps/migrator start` (or `pnpm start`, which runs the API and the worker together)";
  // Only where running it here cannot collide with the queued job later: a pinned upgrade
  // or rollback finds nothing left to do, a withdrawn job is gone.
  if (!withdrawn && !RESUMABLE.has(s.name)) return `${start}.`;
  const command = s.name === "upgrade" ? "`pnpm cli upgrade --direct`" : "the command again with --direct";
  return `${start}, or run ${command} to do it in this process.`;
}

/** TM_NO_WORKER: which job, where it stopped, what becomes of it, and the commands to go on. */
export function noWorkerError(s: JobSighting, afterMs: number, withdrawn: boolean): TidemarkError {
  const seconds = Math.round(afterMs / 100) / 10;
  const sentences = [
    `No migrator worker has been connected to the queue for ${seconds}s, so nothing is running the ${s.name} job ${s.jobId}.`,
    whereItStopped(s),
    fate(s, withdrawn),
    nextSteps(s, withdrawn),
  ];
  return new TidemarkError("TM_NO_WORKER", sentences.filter(Boolean).join(" "), {
    details: {
      jobId: s.jobId,
      job: s.name,
      state: s.state,
      lastFinished: s.lastFinished ?? null,
      withdrawn,
    },
  });
}
