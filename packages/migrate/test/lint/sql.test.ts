import { describe, expect, test } from "vitest";
import { formatFinding, type LintReport, lintSql } from "../../src/index.js";

const inTransaction = { file: "0007_change.sql", transactional: true } as const;

function rules(report: LintReport): string[] {
  return report.findings.map((f) => f.rule);
}

describe("statements split by --> statement-breakpoint", () => {
  test("reports each statement at its own line of the file", async () => {
    const sql = [
      `ALTER TABLE "users" DROP COLUMN "a";`,
      "--> statement-breakpoint",
      `CREATE INDEX "i" ON "users" ("b");`,
      "--> statement-breakpoint",
      "",
      `DELETE FROM "users";`,
    ].join("\n");
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line, f.statement])).toEqual([
      ["drop-column", 1, `ALTER TABLE "users" DROP COLUMN "a"`],
      ["create-index-not-concurrently", 3, `CREATE INDEX "i" ON "users" ("b")`],
      ["delete-without-where", 6, `DELETE FROM "users"`],
    ]);
    expect(report.errors).toBe(2);
    expect(report.warnings).toBe(1);
  });

  test("parses a block without a final semicolon, as drizzle's migrator sends it", async () => {
    const sql = `ALTER TABLE "users" ADD COLUMN "x" text\n--> statement-breakpoint\nTRUNCATE "users"`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([["truncate", 3]]);
  });

  test("counts lines correctly after multi-byte characters", async () => {
    const sql = `-- Données : élève ✓\nINSERT INTO "t" VALUES ('ééé');\n/* ü */ DROP TABLE "t";`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line, f.statement])).toEqual([
      ["drop-table", 3, `DROP TABLE "t"`],
    ]);
  });

  test("reports several findings of one ALTER TABLE with several commands", async () => {
    const sql = `ALTER TABLE "users" DROP COLUMN "a", DROP COLUMN "b", ALTER COLUMN "c" SET NOT NULL;`;
    const report = await lintSql(sql, inTransaction);
    expect(rules(report)).toEqual(["drop-column", "drop-column", "set-not-null"]);
    expect(report.findings[1]?.message).toContain("users.b");
  });
});

describe("no false positives from text that only looks like SQL", () => {
  test("ignores DROP TABLE and DELETE inside a dollar-quoted function body", async () => {
    const sql = `CREATE OR REPLACE FUNCTION purge_sessions() RETURNS void AS $body$
BEGIN
  DROP TABLE IF EXISTS "sessions";
  DELETE FROM "users";
  TRUNCATE "audit";
END;
$body$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ ALTER TABLE users DROP COLUMN email; SELECT 1 $$;`;
    expect(rules(await lintSql(sql, inTransaction))).toEqual([]);
  });

  test("ignores SQL-like words in comments and string literals", async () => {
    const sql = `-- DROP TABLE "users"; TRUNCATE "users"; DELETE FROM "users";
/* ALTER TABLE "users" DROP COLUMN "email";
   CREATE INDEX "x" ON "users" ("email"); */
INSERT INTO "audit" ("note") VALUES ('DROP TABLE users; DELETE FROM users');
COMMENT ON TABLE "users" IS 'never TRUNCATE this';`;
    expect(rules(await lintSql(sql, inTransaction))).toEqual([]);
  });

  test("checks the statements a DO block runs, since it runs during the migration", async () => {
    const sql = `DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'old') THEN
    DROP TABLE "old";
  END IF;
  RAISE NOTICE 'DROP TABLE in a string is fine';
  EXECUTE 'TRUNCATE "users"';
END $$;`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line, f.statement])).toEqual([
      ["drop-table", 4, `DROP TABLE "old"`],
    ]);
  });

  test("checks drizzle's DO-wrapped foreign keys and honours an allow comment on the DO", async () => {
    const sql = `-- tidemark:allow fk-without-not-valid
DO $$ BEGIN
 ALTER TABLE "posts" ADD CONSTRAINT "posts_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");
EXCEPTION WHEN duplicate_object THEN null;
END $$;`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((f) => [f.rule, f.line])).toEqual([["fk-without-not-valid", 3]]);
  });

  test("does not take CONCURRENTLY in a comment for a concurrent index build", async () => {
    const sql = `-- CREATE INDEX CONCURRENTLY would be nicer\nCREATE INDEX "i" ON "users" ("email");`;
    expect(rules(await lintSql(sql, inTransaction))).toEqual(["create-index-not-concurrently"]);
  });
});

describe("-- tidemark:allow", () => {
  test("suppresses the statement on the next line and lists it as suppressed", async () => {
    const sql = `-- tidemark:allow drop-column\nALTER TABLE "users" DROP COLUMN "legacy";\nALTER TABLE "users" DROP COLUMN "other";`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([["drop-column", 3]]);
    expect(report.suppressed.map((f) => [f.rule, f.line])).toEqual([["drop-column", 2]]);
    expect(report.errors).toBe(1);
  });

  test("accepts a comma list, a trailing comment on the same line and a reason after the codes", async () => {
    const sql = [
      `DROP TABLE "old"; -- tidemark:allow drop-table`,
      `DELETE FROM "users";`,
      `-- tidemark:allow truncate, delete-without-where  (reset demo data, ticket 42)`,
      `TRUNCATE "events";`,
    ].join("\n");
    const report = await lintSql(sql, inTransaction);
    expect(rules(report)).toEqual(["delete-without-where"]);
    expect(report.suppressed.map((f) => f.rule)).toEqual(["drop-table", "truncate"]);
  });

  test("applies a comment inside a statement and across a breakpoint to that statement", async () => {
    const sql = `ALTER TABLE "users" /* tidemark:allow drop-column */ DROP COLUMN "a";
-- tidemark:allow rename-table
--> statement-breakpoint
ALTER TABLE "users" RENAME TO "members";`;
    const report = await lintSql(sql, inTransaction);
    expect(rules(report)).toEqual([]);
    expect(report.suppressed.map((f) => f.rule)).toEqual(["drop-column", "rename-table"]);
  });

  test("suppresses only the rules it names", async () => {
    const sql = `-- tidemark:allow drop-colum, truncate\nALTER TABLE "users" DROP COLUMN "a";`;
    const report = await lintSql(sql, inTransaction);
    expect(rules(report)).toEqual(["drop-column"]);
    expect(report.suppressed).toEqual([]);
  });
});

describe("tables the SQL creates and tables that exist", () => {
  test("treats a table created earlier in the same SQL as new and empty", async () => {
    const sql = `CREATE TABLE "tags" ("id" serial PRIMARY KEY, "name" text);
--> statement-breakpoint
CREATE INDEX "tags_name_idx" ON "tags" ("name");
ALTER TABLE "tags" ADD COLUMN "slug" text NOT NULL;
ALTER TABLE "tags" ALTER COLUMN "name" SET NOT NULL, ADD CONSTRAINT "c" CHECK (length("name") > 0);
ALTER TABLE "tags" ADD CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "users" ("id");
ALTER TABLE "tags" ALTER COLUMN "name" TYPE varchar(10), DROP COLUMN "slug";
DELETE FROM "tags";`;
    expect(rules(await lintSql(sql, inTransaction))).toEqual([]);
  });

  test("with existingTables, flags lock rules only on those tables but data loss on any older table", async () => {
    const sql = `CREATE INDEX "a" ON "users" ("email");\nCREATE INDEX "b" ON "unknown" ("x");\nDROP TABLE "unknown";`;
    const report = await lintSql(sql, { ...inTransaction, existingTables: new Set(["users"]) });
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([
      ["create-index-not-concurrently", 1],
      ["drop-table", 3],
    ]);
  });

  test("names schema-qualified tables in the message", async () => {
    const report = await lintSql(`DROP TABLE "audit"."events" CASCADE;`, inTransaction);
    expect(report.findings[0]?.message).toBe(
      "Drops table audit.events and every row in it (CASCADE also drops views and foreign keys on it).",
    );
  });

  test("flags a VALIDATE in the same transaction as its NOT VALID constraint", async () => {
    const sql = `ALTER TABLE "users" ADD CONSTRAINT "fk" FOREIGN KEY ("org_id") REFERENCES "orgs" ("id") NOT VALID;
ALTER TABLE "users" VALIDATE CONSTRAINT "fk";`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([["fk-without-not-valid", 2]]);
    expect(report.findings[0]?.fix).toContain("later migration");
    expect(rules(await lintSql(sql, { ...inTransaction, transactional: false }))).toEqual([]);
  });
});

describe("transactions", () => {
  test("accepts concurrent statements when the migration runs outside a transaction", async () => {
    const sql = `CREATE INDEX CONCURRENTLY "i" ON "users" ("email");\nDROP INDEX CONCURRENTLY "j";\nREINDEX INDEX CONCURRENTLY "k";`;
    expect(rules(await lintSql(sql, { ...inTransaction, transactional: false }))).toEqual([]);
    expect(rules(await lintSql(sql, inTransaction))).toEqual([
      "concurrently-in-transaction",
      "concurrently-in-transaction",
      "concurrently-in-transaction",
    ]);
  });

  test("flags a concurrent build wrapped in an explicit BEGIN … COMMIT", async () => {
    const sql = `BEGIN;\nCREATE INDEX CONCURRENTLY "i" ON "users" ("email");\nCOMMIT;\nCREATE INDEX CONCURRENTLY "j" ON "users" ("name");`;
    const report = await lintSql(sql, { ...inTransaction, transactional: false });
    expect(report.findings.map((f) => [f.rule, f.line])).toEqual([["concurrently-in-transaction", 2]]);
    expect(report.findings[0]?.message).toContain("explicit BEGIN");
  });
});

describe("syntax errors", () => {
  test("become one syntax-error finding naming the file and line instead of a crash", async () => {
    const sql = `ALTER TABLE "users" ADD COLUMN "x" text;\n--> statement-breakpoint\nDROP TABLE "a";\nALTER TABLE "users" ADD COLUMN;\nSELEC 1;`;
    const report = await lintSql(sql, inTransaction);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      rule: "syntax-error",
      severity: "error",
      file: "0007_change.sql",
      line: 4,
      statement: `ALTER TABLE "users" ADD COLUMN;`,
    });
    expect(report.findings[0]?.message).toContain("line 4 of 0007_change.sql");
  });

  test("treats an empty or comment-only file as clean", async () => {
    expect(rules(await lintSql("", inTransaction))).toEqual([]);
    expect(rules(await lintSql("-- nothing yet\n--> statement-breakpoint\n  \n", inTransaction))).toEqual([]);
  });
});

describe("formatFinding", () => {
  test("prints severity, rule, place, message, statement, why and fix on separate lines", async () => {
    const report = await lintSql(`\n\nTRUNCATE "users";`, { ...inTransaction, revision: "0007_change" });
    const [finding] = report.findings;
    if (!finding) throw new Error("expected a finding");
    const lines = formatFinding(finding).split("\n");
    expect(lines[0]).toBe("error truncate: 0007_change.sql:3 (0007_change)");
    expect(lines[1]).toBe("  Empties users.");
    expect(lines[2]).toBe(`  │ TRUNCATE "users"`);
    expect(lines[3]).toMatch(/^ {2}why: /);
    expect(lines[4]).toMatch(/^ {2}fix: /);
  });

  test("shortens long statements and long lines for the terminal", () => {
    const statement = ["x".repeat(200), ...Array.from({ length: 9 }, (_, i) => `line ${i}`)].join("\n");
    const text = formatFinding({
      rule: "drop-table",
      severity: "error",
      file: "a.sql",
      line: 1,
      statement,
      message: "m",
      why: "w",
      fix: "f",
    });
    expect(text).toContain("│ … (6 more lines)");
    expect(text).toContain(`│ ${"x".repeat(119)}…`);
    expect(text).not.toContain("x".repeat(120));
  });
});
