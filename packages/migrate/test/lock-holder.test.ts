import { migrationsDir } from "@tidemark/db";
import { adminUrl } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../src/commands/status.js";
import { MIGRATION_LOCK_KEY } from "../src/lock.js";
import { closeTestDatabases, createTestDatabase, type TestDatabase } from "../src/testing/index.js";
import { testContext } from "./support.js";

let db: TestDatabase;
const sessions: postgres.Sql[] = [];

function session(): postgres.Sql {
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  sessions.push(sql);
  return sql;
}

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl, prefix: "tm_lockholder" });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.end({ timeout: 1 })));
  await db.drop();
  await closeTestDatabases();
});

describe("the migration lock's holder in status", () => {
  it("names the sessions the holder waits on, with their SQL but never its literals", async () => {
    const blocker = session();
    const holder = session();
    await blocker.unsafe(
      "insert into users (username, email) values ('TOPSECRET-LITERAL-7', 's@example.com')",
    );
    // The blocker keeps a row lock in an open transaction; its last query carries a secret literal.
    const reserved = await blocker.reserve();
    await reserved`begin`;
    await reserved.unsafe("select * from users where username = 'TOPSECRET-LITERAL-7' for update");
    // The holder takes the migration lock, then waits on that row.
    await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const waiting = holder
      .unsafe("update users set email = 'x@example.com' where username = 'TOPSECRET-LITERAL-7'")
      .catch(() => undefined);
    const blockerPid = (await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]?.pid;

    let report = await status(testContext(db.url).ctx);
    for (let i = 0; i < 50 && (report.lockHolder?.blockedBy.length ?? 0) === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await status(testContext(db.url).ctx);
    }
    expect(report.lockHolder?.blockedBy.map((b) => b.pid)).toEqual([blockerPid]);
    const shown = JSON.stringify(report.lockHolder);
    expect(shown).not.toContain("TOPSECRET-LITERAL-7");
    expect(report.lockHolder?.blockedBy[0]?.state).toBe("idle in transaction");

    await reserved`rollback`;
    reserved.release();
    await waiting;
    await holder`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  });

  it("lists nobody when the holder waits on nothing", async () => {
    const holder = session();
    await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const report = await status(testContext(db.url).ctx);
    expect(report.lockHolder?.blockedBy).toEqual([]);
    await holder`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  });
});
