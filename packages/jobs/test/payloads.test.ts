import { TidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { jobNames, parsePayload } from "../src/index.js";
import { testRequester } from "./helpers.js";

function payloadError(name: string, data: unknown): TidemarkError {
  try {
    parsePayload(name, data);
  } catch (err) {
    if (err instanceof TidemarkError) return err;
    throw err;
  }
  throw new Error("expected the payload to be rejected");
}

describe("job payloads", () => {
  it("accepts a minimal payload for every job", () => {
    const minimal = {
      upgrade: {},
      rollback: { to: "prev" },
      backup: {},
      restore: { file: "tidemark_20240101T000000Z_0003.dump" },
    };
    for (const name of jobNames) {
      expect(parsePayload(name, { ...minimal[name], requestedBy: testRequester })).toMatchObject(
        minimal[name],
      );
    }
  });

  it("accepts prev, base and a revision as rollback targets", () => {
    for (const to of ["prev", "base", "0003", "0003_add_user_avatar_url"]) {
      expect(parsePayload("rollback", { to, requestedBy: testRequester }).to).toBe(to);
    }
  });

  it("rejects a wrong type with TM_PAYLOAD_INVALID naming the field", () => {
    const err = payloadError("upgrade", { to: 3, requestedBy: testRequester });
    expect(err.code).toBe("TM_PAYLOAD_INVALID");
    expect(err.message).toMatch(/^Invalid upgrade payload:\n {2}to: /);
    expect(err.details.issues).toHaveLength(1);
  });

  it("rejects a misspelt option instead of ignoring it", () => {
    const err = payloadError("upgrade", { too: "0003", requestedBy: testRequester });
    expect(err.message).toContain("too");
  });

  it("requires requestedBy on every payload", () => {
    for (const name of jobNames) {
      expect(payloadError(name, { to: "prev", file: "x.dump" }).message).toContain("requestedBy");
    }
  });

  it("lists every problem of a payload at once", () => {
    const err = payloadError("restore", { noBackup: "yes" });
    expect(err.message).toContain("file");
    expect(err.message).toContain("noBackup");
    expect(err.message).toContain("requestedBy");
  });

  it("accepts the database a job is for, and rejects a malformed one", () => {
    const database = {
      host: "127.0.0.1",
      port: 5432,
      database: "app",
      systemIdentifier: "7714563106071005295",
    };
    for (const name of jobNames) {
      const base = name === "rollback" ? { to: "prev" } : name === "restore" ? { file: "x.dump" } : {};
      expect(parsePayload(name, { ...base, requestedBy: testRequester, database })).toMatchObject({
        database,
      });
    }
    const err = payloadError("upgrade", {
      requestedBy: testRequester,
      database: { ...database, systemIdentifier: "not-a-number" },
    });
    expect(err.code).toBe("TM_PAYLOAD_INVALID");
    expect(err.message).toContain("database.systemIdentifier");
  });

  it("rejects an unknown job name", () => {
    const err = payloadError("drop-everything", { requestedBy: testRequester });
    expect(err.code).toBe("TM_PAYLOAD_INVALID");
    expect(err.message).toContain('Unknown job "drop-everything"');
  });
});
