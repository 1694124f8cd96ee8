import { TidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { loadQueueConfig } from "../src/index.js";

describe("queue configuration", () => {
  it("defaults to the local Redis and the tidemark prefix", () => {
    expect(loadQueueConfig({})).toEqual({ redisUrl: "redis://127.0.0.1:6379", prefix: "tidemark" });
  });

  it("reads REDIS_URL and TIDEMARK_QUEUE_PREFIX", () => {
    const config = loadQueueConfig({ REDIS_URL: "redis://cache:6380/2", TIDEMARK_QUEUE_PREFIX: "staging" });
    expect(config).toEqual({ redisUrl: "redis://cache:6380/2", prefix: "staging" });
  });

  it("rejects a REDIS_URL that is not a URL", () => {
    expect(() => loadQueueConfig({ REDIS_URL: "localhost" })).toThrow(TidemarkError);
  });
});
