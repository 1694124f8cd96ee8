import { afterAll, describe, expect, test } from "vitest";
import { lintMigrations, lintRules } from "../../src/index.js";
import { type HistoryEntry, historyFolders } from "./folders.js";

const folders = historyFolders();
afterAll(() => folders.cleanup());

/** The tables every case starts from, created by an earlier migration (so they "hold data"). */
const BASE = `CREATE TABLE "users" (
  "id" serial PRIMARY KEY NOT NULL,
  "username" varchar(50) NOT NULL,
  "email" text,
  "score" integer,
  "price" numeric(10, 2)
);
--> statement-breakpoint
CREATE TABLE "orgs" ("id" serial PRIMARY KEY NOT NULL);`;

interface Case {
  /** Migrations between BASE and the one under test. */
  before?: HistoryEntry[];
  bad: HistoryEntry;
  good: HistoryEntry;
}

/** One risky and one safe migration per rule; the risky one must yield exactly that rule. */
const cases: Record<string, Case> = {
  "drop-table": {
    bad: `DROP TABLE "users";`,
    good: `CREATE TABLE "tmp" ("id" integer);\n--> statement-breakpoint\nDROP TABLE "tmp";`,
  },
  "drop-column": {
    bad: `ALTER TABLE "users" DROP COLUMN "email";`,
    good: `ALTER TABLE "users" DROP CONSTRAINT IF EXISTS "users_email_unique";`,
  },
  "narrow-type": {
    bad: `ALTER TABLE "users" ALTER COLUMN "username" SET DATA TYPE varchar(20);`,
    good: `ALTER TABLE "users" ALTER COLUMN "username" SET DATA TYPE varchar(100);`,
  },
  "set-not-null": {
    before: [
      `ALTER TABLE "users" ADD CONSTRAINT "email_nn" CHECK ("email" IS NOT NULL) NOT VALID;`,
      `ALTER TABLE "users" VALIDATE CONSTRAINT "email_nn";`,
    ],
    bad: `ALTER TABLE "users" ALTER COLUMN "score" SET NOT NULL;`,
    good: `ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;`,
  },
  "add-not-null-column-without-default": {
    bad: `ALTER TABLE "users" ADD COLUMN "plan" text NOT NULL;`,
    good: `ALTER TABLE "users" ADD COLUMN "plan" text DEFAULT 'free' NOT NULL;`,
  },
  "create-index-not-concurrently": {
    bad: `CREATE INDEX "users_email_idx" ON "users" USING btree ("email");`,
    good: `CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree ("email");`,
  },
  "concurrently-in-transaction": {
    bad: `BEGIN;\nDROP INDEX CONCURRENTLY "users_email_idx";\nCOMMIT;`,
    good: `DROP INDEX CONCURRENTLY "users_email_idx";`,
  },
  "fk-without-not-valid": {
    before: [`ALTER TABLE "users" ADD COLUMN "org_id" integer;`],
    bad: `ALTER TABLE "users" ADD CONSTRAINT "users_org_fk" FOREIGN KEY ("org_id") REFERENCES "orgs"("id");`,
    good: `ALTER TABLE "users" ADD CONSTRAINT "users_org_fk" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") NOT VALID;`,
  },
  "check-without-not-valid": {
    bad: `ALTER TABLE "users" ADD CONSTRAINT "score_positive" CHECK ("score" > 0);`,
    good: `ALTER TABLE "users" ADD CONSTRAINT "score_positive" CHECK ("score" > 0) NOT VALID;`,
  },
  "type-change-rewrites-table": {
    bad: `ALTER TABLE "users" ALTER COLUMN "score" SET DATA TYPE bigint;`,
    good: `ALTER TABLE "users" ALTER COLUMN "username" SET DATA TYPE text;`,
  },
  "rename-column": {
    bad: `ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";`,
    good: `CREATE TABLE "drafts" ("a" integer);\n--> statement-breakpoint\nALTER TABLE "drafts" RENAME COLUMN "a" TO "b";`,
  },
  "rename-table": {
    bad: `ALTER TABLE "users" RENAME TO "members";`,
    good: `CREATE TABLE "drafts" ("a" integer);\n--> statement-breakpoint\nALTER TABLE "drafts" RENAME TO "notes";`,
  },
  "delete-without-where": {
    bad: `DELETE FROM "users";`,
    good: `DELETE FROM "users" WHERE "email" IS NULL;`,
  },
  truncate: {
    bad: `TRUNCATE "users";`,
    good: `CREATE TABLE "staging" ("a" integer);\n--> statement-breakpoint\nTRUNCATE "staging";`,
  },
  "missing-down": {
    bad: { up: `ALTER TABLE "users" ADD COLUMN "bio" text;`, down: null },
    good: {
      up: `ALTER TABLE "users" ADD COLUMN "bio" text;`,
      down: `ALTER TABLE "users" DROP COLUMN "bio";`,
    },
  },
  "syntax-error": {
    bad: `ALTER TABLE "users" ADD COLUMN;`,
    good: `ALTER TABLE "users" ADD COLUMN "nickname" text;`,
  },
};

/** Lint BASE + before + entry and return the rule codes reported for the last migration. */
async function rulesOf(c: Case, entry: HistoryEntry): Promise<string[]> {
  const history = [BASE, ...(c.before ?? []), entry];
  const migrations = await folders.write(history);
  const last = migrations.at(-1)?.tag ?? "";
  const report = await lintMigrations(migrations, { revisions: [last] });
  return report.findings.map((f) => f.rule);
}

describe("each rule", () => {
  test("has a positive and a negative example for every code in the catalogue", () => {
    expect(Object.keys(cases).sort()).toEqual(lintRules.map((r) => r.code).sort());
  });

  for (const [code, c] of Object.entries(cases)) {
    test(`${code} flags the risky migration and nothing else`, async () => {
      expect(await rulesOf(c, c.bad)).toEqual([code]);
    });
    test(`${code} stays quiet on the safe alternative`, async () => {
      expect(await rulesOf(c, c.good)).toEqual([]);
    });
  }
});

describe("the rule catalogue", () => {
  test("gives every rule a kebab-case code, a severity, a reason and a fix", () => {
    for (const rule of lintRules) {
      expect(rule.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(["error", "warning"]).toContain(rule.severity);
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(20);
      expect(rule.rationale.length).toBeGreaterThan(0);
    }
  });

  test("makes every data-loss rule an error", () => {
    const dataLoss = lintRules.filter((r) => r.rationale === "data loss").map((r) => r.code);
    expect(dataLoss.sort()).toEqual(["delete-without-where", "drop-column", "drop-table", "truncate"]);
    for (const code of [...dataLoss, "narrow-type"]) {
      expect(lintRules.find((r) => r.code === code)?.severity).toBe("error");
    }
  });
});
