import { describe, expect, it } from "vitest";
import { loadApiConfig } from "../src/config.js";

describe("API configuration", () => {
  it("defaults to queue mode on loopback port 3000 with a two-minute migration timeout", () => {
    const config = loadApiConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      migrateOnBoot: "queue",
      migrateTimeoutMs: 120_000,
      adminToken: undefined,
      queue: { redisUrl: "redis://127.0.0.1:6379", prefix: "tidemark" },
    });
  });

  it("reports every invalid variable in one error", () => {
    let message = "";
    try {
      loadApiConfig({ PORT: "http", MIGRATE_ON_BOOT: "sometimes", ADMIN_TOKEN: "short", REDIS_URL: "nope" });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ["PORT", "MIGRATE_ON_BOOT", "ADMIN_TOKEN", "REDIS_URL"])
      expect(message).toContain(name);
  });
});
