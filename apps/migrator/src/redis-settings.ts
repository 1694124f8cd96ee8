import type { Worker } from "bullmq";
import type { Logger } from "pino";

/** The two Redis settings a queue depends on (docs/fleet.md, "Workers on several machines"). */
async function readSettings(worker: Worker): Promise<{ policy?: string; aof?: string }> {
  const client = (await worker.client) as unknown as { config(op: "GET", key: string): Promise<string[]> };
  const [, policy] = await client.config("GET", "maxmemory-policy");
  const [, aof] = await client.config("GET", "appendonly");
  return { policy, aof };
}

/**
 * Say once, at start-up, when Redis may lose jobs: an eviction policy other than `noeviction`
 * drops job keys under memory pressure; without AOF a Redis restart forgets queued runs.
 * Managed Redis often forbids CONFIG: then nothing is said.
 */
export async function reportRedisSettings(worker: Worker, logger: Logger): Promise<void> {
  const { policy, aof } = await readSettings(worker).catch(() => ({ policy: undefined, aof: undefined }));
  if (policy && policy !== "noeviction") {
    logger.warn({ maxmemoryPolicy: policy }, "Redis may evict job keys: set maxmemory-policy noeviction");
  }
  if (aof === "no") {
    logger.info({ appendonly: aof }, "Redis keeps no append-only file: a Redis restart forgets queued jobs");
  }
}
