import { memoryLogger, redisUrl, uniqueQueuePrefix } from "@tidemark/testkit";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { describe, expect, it } from "vitest";
import { reportRedisSettings } from "../src/redis-settings.js";

describe("Redis settings a queue depends on", () => {
  it("warns when Redis may evict job keys, and is quiet with noeviction", async () => {
    const admin = new Redis(redisUrl);
    const [, before] = (await admin.config("GET", "maxmemory-policy")) as string[];
    const worker = new Worker("settings-probe", null, {
      connection: { url: redisUrl },
      prefix: uniqueQueuePrefix(),
      autorun: false,
    });
    const evicting = memoryLogger();
    const quiet = memoryLogger();
    try {
      // Without maxmemory set, the policy changes nothing for the tests running meanwhile.
      await admin.config("SET", "maxmemory-policy", "allkeys-lru");
      await reportRedisSettings(worker, evicting as unknown as Logger);
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await reportRedisSettings(worker, quiet as unknown as Logger);
    } finally {
      await admin.config("SET", "maxmemory-policy", before ?? "noeviction");
      admin.disconnect();
      await worker.close();
    }
    expect(evicting.lines.find((l) => l.level === "warn")).toMatchObject({ maxmemoryPolicy: "allkeys-lru" });
    expect(quiet.lines.filter((l) => l.level === "warn")).toEqual([]);
  });
});
