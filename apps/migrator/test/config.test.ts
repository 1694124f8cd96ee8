import { describe, expect, it } from "vitest";
import { loadMigratorConfig } from "../src/config.js";

describe("migrator configuration", () => {
  it("defaults to the local Redis, the tidemark prefix and a 30 s stalled-job check", () => {
    const config = loadMigratorConfig({});
    expect(config.queue).toEqual({ redisUrl: "redis://127.0.0.1:6379", prefix: "tidemark" });
    expect(config.stalledMs).toBe(30_000);
    expect(config.engine.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/tidemark");
  });

  it("reads the engine's variables and its own from one environment", () => {
    const config = loadMigratorConfig({
      DATABASE_URL: "postgres://app@db:5432/app",
      TIDEMARK_QUEUE_PREFIX: "staging",
      TIDEMARK_WORKER_STALLED_MS: "1000",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({ stalledMs: 1000, logLevel: "debug", queue: { prefix: "staging" } });
    expect(config.engine.databaseUrl).toBe("postgres://app@db:5432/app");
  });
});
