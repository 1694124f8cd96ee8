import { describe, expect, it } from "vitest";
import { describeSessions, normalizeQuery, QUERY_WITHHELD } from "../src/session-query.js";

describe("other sessions' SQL", () => {
  it("replaces every constant with a placeholder", async () => {
    const q = await normalizeQuery("select * from users where email = 'TOPSECRET-42' and id in (7, 8)");
    expect(q).not.toContain("TOPSECRET");
    expect(q).toContain("$1");
    expect(q).not.toMatch(/\b7\b/);
  });

  it("withholds a query the parser cannot read instead of showing it raw", async () => {
    expect(await normalizeQuery("select * from users where note = 'cut off by track_activity_q")).toBe(
      QUERY_WITHHELD,
    );
  });

  it("keeps null and normalizes each row of a session list", async () => {
    expect(await normalizeQuery(null)).toBeNull();
    const [row] = await describeSessions([{ pid: 1, query: "update t set a = 'x'" }]);
    expect(row).toEqual({ pid: 1, query: "update t set a = $1" });
  });
});
