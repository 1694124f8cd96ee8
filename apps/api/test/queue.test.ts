import { jobNames, queueEnvSchema } from "@tidemark/jobs";
import { describe, expect, it } from "vitest";
import { apiEnvSchema } from "../src/config.js";
import { JOB_NAMES } from "../src/queue.js";

// The API repeats these so it can start without loading BullMQ; they must not drift apart.
describe("the API's copy of the queue contract", () => {
  it("lists the same job names as @tidemark/jobs", () => {
    expect([...JOB_NAMES]).toEqual([...jobNames]);
  });

  it("parses the queue variables exactly as @tidemark/jobs does", () => {
    const queueKeys = Object.keys(queueEnvSchema.shape);
    const pick = (v: Record<string, unknown>) => Object.fromEntries(queueKeys.map((k) => [k, v[k]]));
    for (const env of [
      {},
      { REDIS_URL: "redis://cache:6380/2", TIDEMARK_QUEUE_PREFIX: "staging" },
      { TIDEMARK_QUEUE_PREFIX: "has space" },
      { REDIS_URL: "not a url" },
    ]) {
      const ours = apiEnvSchema.safeParse(env);
      const theirs = queueEnvSchema.safeParse(env);
      expect(ours.success).toBe(theirs.success);
      if (ours.success && theirs.success) expect(pick(ours.data)).toEqual(pick(theirs.data));
    }
  });
});
