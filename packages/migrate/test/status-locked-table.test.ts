import { migrationsDir } from "@tidemark/db";
import { adminUrl, createTempDatabase, dropDatabase } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../src/commands/status.js";
import { closeTestDatabases, createTestDatabase, type TestDatabase } from "../src/testing/index.js";
import { testContext } from "./support.js";

let db: TestDatabase;
let blocker: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl, prefix: "tm_lockedtable" });
  blocker = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "schema-fixer" },
  });
});
afterAll(async () => {
  await blocker.end({ timeout: 1 });
  await db.drop();
  await closeTestDatabases();
});

describe("status while a table is locked exclusively", () => {
  it("stops waiting and names the session holding the lock, instead of hanging", async () => {
    const reserved = await blocker.reserve();
    await reserved`begin`;
    await reserved`lock table users in access exclusive mode`;
    const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const pid = row?.pid;
    try {
      const err = await status(testContext(db.url).ctx).then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(err?.code).toBe("TM_LOCK_TIMEOUT");
      expect(err?.message).toContain(`pid ${pid} (schema-fixer) on users`);
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
    // Once the lock is gone, status reads the tables again.
    const report = await status(testContext(db.url).ctx);
    expect(report.tables.map((t) => t.name)).toContain("users");
  });

  it("still reads a database Tidemark never touched (its missing tables are not errors)", async () => {
    const empty = await createTempDatabase("tm_untouched");
    try {
      const report = await status(testContext(empty.url).ctx);
      expect(report.current).toBeNull();
      expect(report.pending.length).toBeGreaterThan(0);
      expect(report.tables).toEqual([]);
    } finally {
      await dropDatabase(empty.name);
    }
  });
});
