import { describe, expect, it } from "vitest";
import { runModeOf } from "../src/run-mode.js";
import { blocksFor, parseScript, splitBlocks, statementsFor } from "../src/statements.js";

const mode = async (sql: string) => (await runModeOf(sql)).mode;

describe("parseScript", () => {
  it("splits drizzle statement breakpoints and records each block's own first line", async () => {
    const script = await parseScript(
      `CREATE TABLE a (id int);\n--> statement-breakpoint\n-- why b exists\n\nCREATE TABLE b (id int);`,
    );
    expect(script.blocks.map((b) => [b.sql, b.line])).toEqual([
      ["CREATE TABLE a (id int);", 1],
      ["-- why b exists\n\nCREATE TABLE b (id int);", 5],
    ]);
    expect(script.mode.transactional).toBe(true);
  });

  it("limits blocks with an env directive to the listed environments", async () => {
    const script = await parseScript(
      `select 1;\n--> statement-breakpoint\n-- tidemark:env production, staging\nselect 2;`,
    );
    expect(blocksFor(script, "production").map((b) => b.sql)).toHaveLength(2);
    expect(blocksFor(script, "development").map((b) => b.sql)).toEqual(["select 1;"]);
  });

  it("drops blocks that hold only comments", () => {
    expect(splitBlocks(`-- only a comment`)).toEqual([]);
  });

  it("lists the statements of a file that runs outside a transaction, with their own lines", async () => {
    const script = await parseScript(
      `COMMIT;\n--> statement-breakpoint\n-- drop the old one\nDROP INDEX CONCURRENTLY "a"; SET lock_timeout = '1s';\n--> statement-breakpoint\n-- tidemark:env production\nBEGIN;`,
    );
    expect(script.mode).toEqual({ transactional: false, reason: "COMMIT", line: 1 });
    expect(statementsFor(script, "test")?.map((s) => [s.number, s.line, s.sql, s.control])).toEqual([
      [1, 1, "COMMIT", "commit"],
      [2, 4, 'DROP INDEX CONCURRENTLY "a"', undefined],
      [3, 4, "SET lock_timeout = '1s'", undefined],
    ]);
    expect(statementsFor(script, "production")?.at(-1)).toMatchObject({
      number: 4,
      line: 7,
      control: "begin",
    });
  });
});

describe("one rule for how a file runs", () => {
  it.each([
    ["COMMIT;\nDROP INDEX CONCURRENTLY i;", "COMMIT"],
    ["CREATE UNIQUE INDEX CONCURRENTLY i ON t (c);", "CREATE INDEX CONCURRENTLY"],
    ["DROP INDEX CONCURRENTLY IF EXISTS i;", "DROP INDEX CONCURRENTLY"],
    ["REINDEX INDEX CONCURRENTLY i;", "REINDEX CONCURRENTLY"],
    ["VACUUM t;", "VACUUM"],
    ["CALL refill();", "CALL"],
    ["START TRANSACTION;", "START"],
    ["END;", "COMMIT"],
    ["ALTER TABLE t DETACH PARTITION p CONCURRENTLY;", "DETACH PARTITION CONCURRENTLY"],
    ["CREATE DATABASE x;", "CREATE DATABASE"],
    ["ALTER SYSTEM SET work_mem = '8MB';", "ALTER SYSTEM"],
    ["-- tidemark:no-transaction\nSELECT 1;", "-- tidemark:no-transaction"],
  ])("runs %j outside a transaction (%s)", async (sql, reason) => {
    expect(await mode(sql)).toMatchObject({ transactional: false, reason });
  });

  it.each([
    "SELECT 'CREATE INDEX CONCURRENTLY';",
    "/* create index concurrently later */ select 1; -- commit",
    "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
    "ALTER TYPE mood ADD VALUE 'meh';",
    "ANALYZE t;",
    "SAVEPOINT a; RELEASE a;",
    "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (START WITH 1));",
  ])("keeps %j in one transaction", async (sql) => {
    expect(await mode(sql)).toEqual({ transactional: true });
  });
});
