import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** A week: a cancelled run is resumed, or forgotten, well within it. */
const CANCEL_TTL_S = 7 * 24 * 3600;

// Under the queue's prefix, so a hash-tagged prefix (`{tidemark}`) keeps it in the queue's slot.
const cancelKey = (queue: Queue, fleetId: string) => `${queue.qualifiedName}:fleet-cancel:${fleetId}`;

// BullMQ types its client narrowly; it is the ioredis client the queue was given.
const redis = async (queue: Queue): Promise<Redis> => (await queue.client) as unknown as Redis;

/** Ask a run to start no more targets: its children not yet started skip, its parent stops. */
export async function requestCancel(queue: Queue, fleetId: string): Promise<void> {
  await (await redis(queue)).set(cancelKey(queue, fleetId), "1", "EX", CANCEL_TTL_S);
}

/** Forget a cancel request (a resumed run goes on). */
export async function clearCancel(queue: Queue, fleetId: string): Promise<void> {
  await (await redis(queue)).del(cancelKey(queue, fleetId));
}

/** True when the run was asked to stop. */
export async function isCancelled(queue: Queue, fleetId: string): Promise<boolean> {
  return (await (await redis(queue)).exists(cancelKey(queue, fleetId))) === 1;
}
