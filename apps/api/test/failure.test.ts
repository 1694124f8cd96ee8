import { type ErrorCode, errorCodes, errorInfo, TidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { toHttpError } from "../src/errors.js";
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

  it("takes every code's next command and transience from the error registry", () => {
    const codes = Object.keys(errorCodes) as ErrorCode[];
    for (const code of codes) {
      const f = describeFailure(new TidemarkError(code, "x"));
      expect(f.transient, code).toBe(errorInfo(code).transient ?? false);
      if (errorInfo(code).next) expect(f.nextCommand, code).toBe(errorInfo(code).next);
    }
    expect(codes.filter((c) => errorInfo(c).transient).length).toBeGreaterThan(0);
  });
});

describe("toHttpError", () => {
  it("answers every registry code with the registry's HTTP status", () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const { status, body } = toHttpError(new TidemarkError(code, "x"));
      expect(status, code).toBe(errorCodes[code].http);
      expect(body.error.code).toBe(code);
    }
  });

  it("answers a PostgreSQL connection lost mid-request with the registry's TM_DB_UNREACHABLE status", () => {
    const err = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    const { status, body } = toHttpError(err);
    expect(body.error.code).toBe("TM_DB_UNREACHABLE");
    expect(status).toBe(errorCodes.TM_DB_UNREACHABLE.http);
  });
});
