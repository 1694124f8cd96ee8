import http from "node:http";
import { eventually, redisUrl } from "@tidemark/testkit";
import { waitForReady } from "@tidemark/testkit/processes";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createWorld, enqueue } from "./support/world.js";

/** An open `/migrations/events` stream that records what it receives. */
function openStream(base: string): Promise<{ text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    let text = "";
    const req = http.get(`${base}/migrations/events`, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`events answered ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.once("data", () => resolve({ text: () => text, close: () => req.destroy() }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "ECONNRESET") reject(err);
    });
  });
}

/** Redis connections of this world's QueueEvents (BullMQ names them `<prefix>:<queue>:qe`). */
async function queueEventsClients(prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    const list = String(await redis.client("LIST"));
    return list.split("\n").filter((l) => l.includes(` name=${prefix}:`) && /:qe(\s|$)/.test(l)).length;
  } finally {
    redis.disconnect();
  }
}

describe("dashboard: event streams", () => {
  it("feeds every open dashboard from one shared QueueEvents subscription", { timeout: 60_000 }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const first = await openStream(w.api.url);
    const one = await eventually(
      async () => queueEventsClients(w.prefix),
      "the API's QueueEvents to connect",
    );
    const more = await Promise.all(Array.from({ length: 9 }, () => openStream(w.api.url)));
    const streams = [first, ...more];

    const jobId = await enqueue(w.api, "backup");
    await eventually(
      () =>
        streams.every(
          (s) => s.text().includes(`"jobId":"${jobId}"`) && s.text().includes('"type":"completed"'),
        ),
      "every stream to see the backup complete",
    );
    // Ten viewers, and still as many QueueEvents connections as with one.
    expect(await queueEventsClients(w.prefix)).toBe(one);
    // Events name the job and its state, never the error text, SQL or tables.
    for (const s of streams) expect(s.text()).not.toMatch(/users|ALTER|failedReason/);
    for (const s of streams) s.close();
  });
});
