import type { Queue } from "bullmq";

/** The raw ioredis command the stream helpers need (BullMQ's client adapter forwards it). */
interface RawClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

type StreamEntry = [id: string, fields: string[]];

/** A job's final event, found in the queue's event stream after the job itself was trimmed. */
export type FinishedEvent =
  | { event: "completed"; returnvalue: unknown }
  | { event: "failed"; failedReason: string };

const PAGE = 500;

async function xrevrange(queue: Queue, end: string, count: number): Promise<StreamEntry[]> {
  const client = (await queue.client) as unknown as RawClient;
  return (await client.call("XREVRANGE", queue.toKey("events"), end, "-", "COUNT", count)) as StreamEntry[];
}

function fieldsOf(entry: StreamEntry): Record<string, string> {
  const out: Record<string, string> = {};
  const f = entry[1];
  for (let i = 0; i + 1 < f.length; i += 2) out[f[i] as string] = f[i + 1] as string;
  return out;
}

/**
 * The id of the newest event, so a QueueEvents reader starts exactly there: with the
 * default `$` an event written between our state check and its first XREAD would be lost.
 */
export async function lastEventId(queue: Queue): Promise<string> {
  const [newest] = await xrevrange(queue, "+", 1);
  return newest?.[0] ?? "0-0";
}

/**
 * Scan the event stream (newest first, bounded by its max length) for the `completed` or
 * `failed` event of `jobId`: a completed job trimmed by `removeOnComplete` before anyone
 * awaited it still has its result there.
 */
export async function findFinishedEvent(queue: Queue, jobId: string): Promise<FinishedEvent | null> {
  let end = "+";
  for (;;) {
    const page = await xrevrange(queue, end, PAGE);
    for (const entry of page) {
      const f = fieldsOf(entry);
      if (f.jobId !== jobId) continue;
      if (f.event === "completed")
        return { event: "completed", returnvalue: JSON.parse(f.returnvalue ?? "null") };
      if (f.event === "failed") return { event: "failed", failedReason: f.failedReason ?? "" };
    }
    const oldest = page.at(-1);
    if (!oldest || page.length < PAGE) return null;
    end = `(${oldest[0]}`;
  }
}
