import { TidemarkError } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { parsePayload } from "../src/index.js";
import { testRequester } from "./helpers.js";

describe("the rollback payload's acceptUnverified field", () => {
  it("is optional and carried through when given", () => {
    expect(
      parsePayload("rollback", { to: "base", requestedBy: testRequester }).acceptUnverified,
    ).toBeUndefined();
    const payload = parsePayload("rollback", {
      to: "base",
      acceptUnverified: true,
      requestedBy: testRequester,
    });
    expect(payload.acceptUnverified).toBe(true);
  });

  it("rejects anything but a boolean with TM_PAYLOAD_INVALID", () => {
    const attempt = () =>
      parsePayload("rollback", { to: "base", acceptUnverified: "yes", requestedBy: testRequester });
    expect(attempt).toThrow(TidemarkError);
    expect(attempt).toThrow(/acceptUnverified/);
  });
});
