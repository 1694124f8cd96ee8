import { TidemarkError } from "@tidemark/migrate";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { jobFailedError, readJobFailure, toJobError, unwrapJobFailure } from "../src/index.js";

describe("job errors across the queue", () => {
  it("carries the code, message and details of a TidemarkError through BullMQ's fields", () => {
    const original = new TidemarkError("TM_MIGRATION_FAILED", "0003 failed: column exists", {
      details: { revision: "0003_add_user_avatar_url" },
    });
    const sent = toJobError(original);
    expect(sent.message).toBe("0003 failed: column exists");
    const back = readJobFailure(sent.message, [sent.stack ?? ""]);
    expect(back).toEqual({
      code: "TM_MIGRATION_FAILED",
      message: "0003 failed: column exists",
      details: { revision: "0003_add_user_avatar_url" },
    });
  });

  it("reports a plain Error as TM_INTERNAL", () => {
    const sent = toJobError(new Error("boom"));
    expect(readJobFailure(sent.message, [sent.stack ?? ""]).code).toBe("TM_INTERNAL");
  });

  it("never lets a password through", () => {
    const sent = toJobError(new Error("cannot connect to postgres://app:s3cret@db:5432/app"));
    expect(sent.message).not.toContain("s3cret");
    expect(sent.stack).not.toContain("s3cret");
  });

  it("marks payload errors unrecoverable so BullMQ does not retry them", () => {
    const sent = toJobError(new TidemarkError("TM_PAYLOAD_INVALID", "bad"), { unrecoverable: true });
    expect(sent).toBeInstanceOf(UnrecoverableError);
    expect(readJobFailure(sent.message, [sent.stack ?? ""]).code).toBe("TM_PAYLOAD_INVALID");
  });

  it("explains a job that failed because its worker died twice", () => {
    const back = readJobFailure("job stalled more than allowable limit", null);
    expect(back.message).toMatch(/worker died/);
  });

  it("unwraps TM_JOB_FAILED into the job's own error for re-throwing", () => {
    const failed = jobFailedError("42", "upgrade", {
      code: "TM_LOCK_TIMEOUT",
      message: "lock timeout on users",
      details: { revision: "0002" },
    });
    expect(failed.code).toBe("TM_JOB_FAILED");
    expect(failed.details).toMatchObject({ code: "TM_LOCK_TIMEOUT", revision: "0002", jobId: "42" });
    const inner = unwrapJobFailure(failed) as TidemarkError;
    expect(inner.code).toBe("TM_LOCK_TIMEOUT");
    expect(inner.message).toBe("lock timeout on users");
    expect(inner.cause).toBe(failed);
  });
});
