import { describe, expect, it } from "vitest";
import { blocksFor, parseScript } from "../src/statements.js";

describe("parseScript", () => {
  it("splits drizzle statement breakpoints and records each block's first line", () => {
    const script = parseScript(
      `CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);`,
    );
    expect(script.blocks.map((b) => [b.sql, b.line])).toEqual([
      ["CREATE TABLE a (id int);", 1],
      ["CREATE TABLE b (id int);", 3],
    ]);
    expect(script.noTransaction).toBe(false);
  });

  it("limits blocks with an env directive to the listed environments", () => {
    const script = parseScript(
      `select 1;\n--> statement-breakpoint\n-- tidemark:env production, staging\nselect 2;`,
    );
    expect(blocksFor(script, "production").map((b) => b.sql)).toHaveLength(2);
    expect(blocksFor(script, "development").map((b) => b.sql)).toEqual(["select 1;"]);
  });

  it("runs CREATE INDEX CONCURRENTLY and opted-out files outside a transaction", () => {
    expect(parseScript(`CREATE UNIQUE INDEX CONCURRENTLY i ON t (c);`).noTransaction).toBe(true);
    expect(parseScript(`-- tidemark:no-transaction\nVACUUM t;`).noTransaction).toBe(true);
  });

  it("ignores keywords and directives inside comments", () => {
    const script = parseScript(
      `/* create index concurrently later */ select 1; -- create index concurrently`,
    );
    expect(script.noTransaction).toBe(false);
    expect(parseScript(`-- only a comment`).blocks).toEqual([]);
  });
});
