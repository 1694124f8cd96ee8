import type { QueueEvents } from "bullmq";

/** What a waiter does with each event of its job. */
export interface JobEventHandlers {
  completed(returnvalue: unknown): void;
  failed(failedReason: string): void;
  removed(): void;
  active(): void;
  progress(data: unknown): void;
}

/**
 * Listen to one job's events on the shared QueueEvents reader; returns the function that
 * stops listening. Attach before reading the job's state, so nothing falls in between.
 */
export function subscribeToJob(events: QueueEvents, jobId: string, handlers: JobEventHandlers): () => void {
  const listeners: [string, (args: Record<string, unknown>) => void][] = [
    ["completed", (args) => handlers.completed(args.returnvalue)],
    ["failed", (args) => handlers.failed(String(args.failedReason ?? ""))],
    ["removed", () => handlers.removed()],
    ["active", () => handlers.active()],
    ["progress", (args) => handlers.progress(args.data)],
  ];
  for (const [event, fn] of listeners) events.on(`${event}:${jobId}` as "completed", fn as never);
  return () => {
    for (const [event, fn] of listeners) events.off(`${event}:${jobId}` as "completed", fn as never);
  };
}
