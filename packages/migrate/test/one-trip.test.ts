import { createTempDatabase, dropDatabase } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { upgrade } from "../src/commands/upgrade.js";
import { describeFailure } from "../src/executor/failure.js";
import type { Migration } from "../src/types.js";
import { testContext } from "./support.js";

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

const awkward = `O'Brien "the \\ quoted" \\' $$ $tm$ '' \\\\`;

describe("the one-round-trip bookkeeping", () => {
  it.each(["on", "off"])(
    "records a requester with quotes and backslashes exactly under standard_conforming_strings = %s",
    async (setting) => {
      const db = await createTempDatabase();
      dbs.push(db.name);
      const admin = postgres(db.url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`ALTER DATABASE "${db.name}" SET standard_conforming_strings = ${setting}`);
      await admin.end();
      const { ctx } = testContext(db.url, {
        actor: { via: "test", host: "h", pid: 1, requestedBy: { user: awkward } },
      });
      await upgrade(ctx);
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        const [scs] = await sql`show standard_conforming_strings`;
        expect(scs?.standard_conforming_strings).toBe(setting);
        const rows = await sql`select applied_by from tidemark.history where status = 'ok'`;
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row.applied_by.requestedBy.user).toBe(awkward);
      } finally {
        await sql.end();
      }
    },
  );
});

describe("failure reports", () => {
  const m = {
    idx: 3,
    tag: "0003_x",
    when: 1,
    kind: "sql",
    file: "/m/0003_x.sql",
    checksum: "c",
  } as Migration;
  const pgError = Object.assign(new Error('relation "t" does not exist'), { code: "42P01" });

  it("tells a failed down migration to run rollback again, not upgrade", async () => {
    const how = { kind: "one-transaction" } as const;
    const err = await describeFailure(null as never, m, "down", pgError, {}, { attempt: 1, how });
    expect(err.message).toContain("run rollback again");
    expect(err.message).not.toContain("upgrade");
  });

  it("says nothing of a --single-transaction run was kept, not only this migration", async () => {
    const how = { kind: "caller-transaction" } as const;
    const err = await describeFailure(null as never, m, "up", pgError, {}, { attempt: 1, how });
    expect(err.message).toContain("Nothing of this run was kept");
    expect(err.details).toMatchObject({ revision: "0003_x", runMode: "caller-transaction" });
  });
});
