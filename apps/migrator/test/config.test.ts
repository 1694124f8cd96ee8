import { describe, expect, it } from "vitest";
import { loadMigratorConfig } from "../src/config.js";

describe("migrator configuration", () => {
  it("defaults to the local Redis, the tidemark prefix, a 4 s stalled-job check and an 8 s lock", () => {
    const config = loadMigratorConfig({});
    expect(config.queue).toEqual({ redisUrl: "redis://127.0.0.1:6379", prefix: "tidemark" });
    expect(config.stalledMs).toBe(4000);
    expect(config.lockMs).toBe(8000);
    expect(config.engine.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/tidemark");
  });

  it("reads the engine's variables and its own from one environment", () => {
    const config = loadMigratorConfig({
      DATABASE_URL: "postgres://app@db:5432/app",
      TIDEMARK_QUEUE_PREFIX: "staging",
      TIDEMARK_WORKER_STALLED_MS: "1000",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      stalledMs: 1000,
      lockMs: 2000,
      logLevel: "debug",
      queue: { prefix: "staging" },
    });
    expect(config.engine.databaseUrl).toBe("postgres://app@db:5432/app");
  });

  it("takes the lock duration from TIDEMARK_WORKER_LOCK_MS when it is set", () => {
    const config = loadMigratorConfig({
      TIDEMARK_WORKER_STALLED_MS: "3000",
      TIDEMARK_WORKER_LOCK_MS: "12000",
    });
    expect(config).toMatchObject({ stalledMs: 3000, lockMs: 12_000 });
  });

  it("rejects a lock duration that is not a whole number of milliseconds", () => {
    expect(() => loadMigratorConfig({ TIDEMARK_WORKER_LOCK_MS: "soon" })).toThrow(/TIDEMARK_WORKER_LOCK_MS/);
  });
});
