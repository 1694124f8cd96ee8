import { TidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { describeFailure } from "../src/failure.js";

describe("describeFailure", () => {
  it("reports a failed job by the worker's own code, migration and statement", () => {
    const err = new TidemarkError("TM_JOB_FAILED", "The upgrade job 7 failed: boom", {
      details: { jobId: "7", code: "TM_MIGRATION_FAILED", revision: "0005_x", statement: "select boom" },
    });
    const f = describeFailure(err);
    expect(f).toMatchObject({ code: "TM_MIGRATION_FAILED", migration: "0005_x", statement: "select boom" });
    expect(f.transient).toBe(false);
    expect(f.nextCommand).toContain("pnpm cli upgrade");
  });

  it("treats an unreachable Redis as transient and suggests migrating without it", () => {
    const f = describeFailure(
      new TidemarkError("TM_REDIS_UNAVAILABLE", "Redis at redis://:pw@host:1 is down"),
    );
    expect(f.transient).toBe(true);
    expect(f.nextCommand).toContain("--direct");
    expect(f.message).not.toContain(":pw@");
  });

  it("maps a refused PostgreSQL connection from the pool to TM_DB_UNREACHABLE", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5999"), { code: "ECONNREFUSED" });
    expect(describeFailure(err)).toMatchObject({ code: "TM_DB_UNREACHABLE", transient: true });
  });

  it("calls anything else an internal error and still says what to run next", () => {
    const f = describeFailure(new TypeError("x is not a function"));
    expect(f.code).toBe("TM_INTERNAL");
    expect(f.nextCommand).toContain("pnpm cli status");
  });
});
