import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config.js";
import { fleetDefaults, fleetEnvSchema, targetsConfigFrom } from "../../src/fleet/config.js";
import { caught } from "./support.js";

const withDb = (env: Record<string, string>) => ({
  ...parseEnv(fleetEnvSchema, env),
  DATABASE_URL: "postgres://app@db/main",
});

describe("fleetEnvSchema", () => {
  it("defaults the worker's pacing", () => {
    const e = parseEnv(fleetEnvSchema, {});
    expect(e.TIDEMARK_FLEET_CONCURRENCY).toBe(fleetDefaults.concurrency);
    expect(e.TIDEMARK_FLEET_LOCK_WAIT_MS).toBe(60_000);
    expect(parseEnv(fleetEnvSchema, { TIDEMARK_FLEET_CONCURRENCY: "64" }).TIDEMARK_FLEET_CONCURRENCY).toBe(
      64,
    );
  });

  it("refuses a concurrency outside 1..64, a negative wait and a control URL with a password, without echoing it", async () => {
    const err = await caught(() =>
      parseEnv(fleetEnvSchema, {
        TIDEMARK_FLEET_CONCURRENCY: "65",
        TIDEMARK_FLEET_LOCK_WAIT_MS: "-1",
        TIDEMARK_CONTROL_DATABASE_URL: "ctl:s3cret@nowhere",
      }),
    );
    expect(err.code).toBe("TM_CONFIG_INVALID");
    for (const v of [
      "TIDEMARK_FLEET_CONCURRENCY",
      "TIDEMARK_FLEET_LOCK_WAIT_MS",
      "TIDEMARK_CONTROL_DATABASE_URL",
    ]) {
      expect(err.message).toContain(v);
    }
    expect(err.message).not.toContain("s3cret");
    expect((await caught(() => parseEnv(fleetEnvSchema, { TIDEMARK_FLEET_CONCURRENCY: "0" }))).code).toBe(
      "TM_CONFIG_INVALID",
    );
  });
});

describe("targetsConfigFrom", () => {
  it("is null when no fleet is configured", () => {
    expect(targetsConfigFrom(withDb({}), "/x")).toBeNull();
  });

  it("resolves a relative file from INIT_CWD, else the cwd, and queries DATABASE_URL by default", () => {
    expect(
      targetsConfigFrom({ ...withDb({ TIDEMARK_TARGETS: "fleet.yaml" }), INIT_CWD: "/srv" }, "/x"),
    ).toEqual({
      file: "/srv/fleet.yaml",
      controlDatabaseUrl: "postgres://app@db/main",
    });
    expect(targetsConfigFrom(withDb({ TIDEMARK_TARGETS: "fleet.yaml" }), "/x")?.file).toBe("/x/fleet.yaml");
    expect(targetsConfigFrom(withDb({ TIDEMARK_TARGETS: "/abs/t.json" }), "/x")?.file).toBe("/abs/t.json");
  });

  it("takes the query and its control database", () => {
    const config = targetsConfigFrom(
      withDb({ TIDEMARK_TARGETS_QUERY: "select 1", TIDEMARK_CONTROL_DATABASE_URL: "postgres://ctl@c/fleet" }),
    );
    expect(config).toEqual({ query: "select 1", controlDatabaseUrl: "postgres://ctl@c/fleet" });
  });
});
