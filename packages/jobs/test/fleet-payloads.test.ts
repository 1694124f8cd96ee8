import { isTidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { parseFleetPayload, parseTargetPayload } from "../src/index.js";

const base = {
  targets: [
    { name: "a", url: "postgres://app@db/a" },
    { name: "b", url: "postgres://app@db/b", passwordEnv: "B_PASSWORD" },
  ],
  canary: ["a"],
  waves: [["b"]],
  maxFailures: 0,
  requestedBy: { via: "test", host: "h", pid: 1 },
  input: {},
};

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isTidemarkError(err) && err.code).toBe("TM_PAYLOAD_INVALID");
    return (err as Error).message;
  }
  throw new Error("expected a rejection");
}

describe("fleet payloads", () => {
  it("accept a plan where every target is in exactly one wave, resumes defaulting to 0", () => {
    expect(parseFleetPayload("fleet-upgrade", base).resumes).toBe(0);
  });

  it("refuse a URL with a password: payloads travel through Redis", () => {
    const message = rejection(() =>
      parseFleetPayload("fleet-upgrade", {
        ...base,
        targets: [{ name: "a", url: "postgres://app:s3cret@db/a" }, base.targets[1]],
      }),
    );
    expect(message).toMatch(/must not carry a password/);
    expect(message).not.toContain("s3cret");
  });

  it("refuse targets left out of the waves, unknown ones and repeats", () => {
    expect(rejection(() => parseFleetPayload("fleet-upgrade", { ...base, waves: [] }))).toMatch(
      /in no wave: b/,
    );
    expect(rejection(() => parseFleetPayload("fleet-upgrade", { ...base, waves: [["b", "zz"]] }))).toMatch(
      /unknown targets in waves: zz/,
    );
    expect(rejection(() => parseFleetPayload("fleet-upgrade", { ...base, waves: [["b", "a"]] }))).toMatch(
      /"a" appears twice/,
    );
  });

  it("check the input against the action: a rollback needs `to`, a misspelt option fails", () => {
    expect(rejection(() => parseFleetPayload("fleet-rollback", base))).toMatch(/input\.to/);
    expect(rejection(() => parseFleetPayload("fleet-upgrade", { ...base, input: { too: "0003" } }))).toMatch(
      /too/,
    );
  });

  it("check a child's input against its action", () => {
    const child = {
      fleetId: "0b8c2a52-4f7e-4c38-9a43-1d2b5c6e7f80",
      action: "backup",
      target: base.targets[0],
      input: { label: "bad label!" },
      requestedBy: base.requestedBy,
      database: { host: "db", port: 5432, database: "a", systemIdentifier: null },
    };
    expect(rejection(() => parseTargetPayload("target-backup", child))).toMatch(/label/);
    expect(parseTargetPayload("target-backup", { ...child, input: { label: "nightly" } }).input).toEqual({
      label: "nightly",
    });
  });
});
