import { redisUrl } from "@tidemark/testkit";
import { Redis } from "ioredis";

/** Delete every key under a queue prefix (BullMQ keys are `<prefix>:<queue>:…`). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** A requestedBy for test payloads. */
export const testRequester = { via: "test" as const, host: "vitest", pid: process.pid };

/** A RunReport-shaped result for jobs a test worker completes. */
export function fakeReport(to: string | null = "0004_set_default_avatar_url") {
  return { direction: "up" as const, from: null, to, dryRun: false, steps: [] };
}
