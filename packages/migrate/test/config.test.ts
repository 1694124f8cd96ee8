import { migrationsDir, schemaFile } from "@tidemark/db";
import { describe, expect, it } from "vitest";
import { engineDefaults, loadEngineConfig } from "../src/config.js";
import { createEngineContext, processActor } from "../src/context.js";

describe("loadEngineConfig", () => {
  it("uses the documented defaults", () => {
    const config = loadEngineConfig({});
    expect(config).toMatchObject({
      databaseUrl: "postgres://postgres@127.0.0.1:5432/tidemark",
      environment: "development",
      lockTimeoutMs: 5000,
      backupKeep: 20,
    });
  });

  it("resolves relative paths from the directory pnpm was invoked in", () => {
    const config = loadEngineConfig({
      INIT_CWD: "/srv/app",
      BACKUP_DIR: "dumps",
      TIDEMARK_MIGRATIONS_DIR: "db/m",
    });
    expect(config.backupDir).toBe("/srv/app/dumps");
    expect(config.migrationsDir).toBe("/srv/app/db/m");
    expect(loadEngineConfig({ BACKUP_DIR: "/abs" }).backupDir).toBe("/abs");
  });

  it("takes the environment from TIDEMARK_ENV, else NODE_ENV", () => {
    expect(loadEngineConfig({ NODE_ENV: "production" }).environment).toBe("production");
    expect(loadEngineConfig({ NODE_ENV: "production", TIDEMARK_ENV: "staging" }).environment).toBe("staging");
  });

  it("reports every invalid variable at once without echoing a password", () => {
    const err = (() => {
      try {
        loadEngineConfig({ DATABASE_URL: "admin:s3cretpw@db/app", TIDEMARK_LOCK_TIMEOUT_MS: "soon" });
      } catch (e) {
        return e as Error & { code: string };
      }
    })();
    expect(err?.code).toBe("TM_CONFIG_INVALID");
    expect(err?.message).toContain("DATABASE_URL");
    expect(err?.message).toContain("TIDEMARK_LOCK_TIMEOUT_MS");
    expect(err?.message).not.toContain("s3cretpw");
  });

  it("defaults the migrations folder and the schema module to the demo package's, and resolves overrides", () => {
    expect(loadEngineConfig({})).toMatchObject({ migrationsDir, schemaFile });
    const config = loadEngineConfig({ INIT_CWD: "/srv/app", TIDEMARK_SCHEMA_FILE: "src/db/schema.ts" });
    expect(config.schemaFile).toBe("/srv/app/src/db/schema.ts");
  });
});

describe("createEngineContext", () => {
  it("passes a loaded config through and names this process as the actor", () => {
    const config = loadEngineConfig({ TIDEMARK_LOCK_RETRIES: "7", BACKUP_DIR: "/b" });
    const logger = { info() {}, warn() {}, error() {}, debug() {} };
    const ctx = createEngineContext(config, processActor("worker", { jobId: "42" }), logger);
    expect(ctx).toMatchObject({ lockRetries: 7, backupDir: "/b", schemaFile, migrationsDir, logger });
    expect(ctx.actor).toMatchObject({ via: "worker", jobId: "42", pid: process.pid });
  });

  it("fills what a partial config leaves out with the engine's defaults", () => {
    const logger = { info() {}, warn() {}, error() {}, debug() {} };
    const ctx = createEngineContext(
      { databaseUrl: "postgres://x/y", migrationsDir: "/m" },
      processActor("cli"),
      logger,
    );
    expect(ctx).toMatchObject({
      environment: engineDefaults.environment,
      lockTimeoutMs: engineDefaults.lockTimeoutMs,
      lockRetries: engineDefaults.lockRetries,
      backupKeep: engineDefaults.backupKeep,
    });
    expect(ctx.actor).not.toHaveProperty("jobId");
  });
});
