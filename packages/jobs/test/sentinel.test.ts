import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { dropQueuePrefix, tempDir, uniqueQueuePrefix } from "@tidemark/testkit";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockingConnection,
  createMigrationsQueue,
  isRedisUrl,
  QUEUE_NAME,
  redisTarget,
} from "../src/index.js";

describe("Sentinel URLs", () => {
  it("spell out the sentinels, the primary's name, the password and the db", () => {
    expect(redisTarget("redis+sentinel://:s3cret@s1:26379,s2/mymaster/2")).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      name: "mymaster",
      password: "s3cret",
      sentinelPassword: "s3cret",
      db: 2,
    });
    expect(redisTarget("redis://cache:6380/1")).toEqual({ url: "redis://cache:6380/1" });
  });

  it("are told apart from malformed ones", () => {
    expect(isRedisUrl("redis+sentinel://s1:26379,s2:26379/mymaster")).toBe(true);
    expect(isRedisUrl("redis+sentinel://s1:26379")).toBe(false);
    expect(isRedisUrl("localhost:6379")).toBe(false);
    expect(isRedisUrl("rediss://cache:6380")).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A real Sentinel (redis-server --sentinel) watching this machine's Redis as primary "tmtest".
describe("the queue through a real Sentinel", () => {
  const prefix = uniqueQueuePrefix();
  let sentinel: ChildProcess;
  let dir: { dir: string; cleanup: () => Promise<void> };
  let url: string;

  beforeAll(async () => {
    dir = await tempDir("tm-sentinel-");
    const port = await freePort();
    const conf = path.join(dir.dir, "sentinel.conf");
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor tmtest 127.0.0.1 6379 1\n`);
    sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 100 });
    for (let i = 0; i < 50; i++) {
      if (
        (await probe.connect().then(
          () => probe.ping(),
          () => null,
        )) === "PONG"
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    url = `redis+sentinel://127.0.0.1:${port}/tmtest`;
  });

  afterAll(async () => {
    sentinel?.kill();
    await dropQueuePrefix(prefix);
    await dir?.cleanup();
  });

  it("enqueues, runs and awaits a job with every connection resolved through the sentinel", async () => {
    const worker = new Worker(QUEUE_NAME, async (job) => ({ seen: job.name }), {
      connection: blockingConnection(url),
      prefix,
    });
    const queue = createMigrationsQueue({ redisUrl: url, prefix });
    try {
      await worker.waitUntilReady();
      const { jobId } = await queue.enqueue("backup", { requestedBy: { via: "test", host: "h", pid: 1 } });
      const job = await queue.getJob(jobId);
      expect(job?.name).toBe("backup");
      // The job landed in the primary the sentinel named: this machine's Redis.
      const direct = new Redis("redis://127.0.0.1:6379");
      expect(await direct.exists(`${prefix}:${QUEUE_NAME}:${jobId}`)).toBe(1);
      direct.disconnect();
      for (let i = 0; i < 100 && (await queue.getJob(jobId))?.state !== "completed"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await queue.getJob(jobId))?.state).toBe("completed");
    } finally {
      await queue.close();
      await worker.close();
    }
  });
});
