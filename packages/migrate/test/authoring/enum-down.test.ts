import { describe, expect, it } from "vitest";
import { recreateEnumsInDown } from "../../src/authoring/enum-down.js";
import { emptySnapshot, type Snapshot } from "../../src/authoring/snapshot.js";

/** A model with `auth.accounts.state` of enum `auth.state` (default `'active'`) and the given values. */
function model(values: string[]): Snapshot {
  const s = emptySnapshot();
  s.enums["auth.state"] = { name: "state", schema: "auth", values };
  s.tables["auth.accounts"] = {
    name: "accounts",
    schema: "auth",
    columns: {
      id: { name: "id", type: "integer", primaryKey: true, notNull: true },
      state: {
        name: "state",
        type: "state",
        typeSchema: "auth",
        primaryKey: false,
        notNull: true,
        default: "'active'",
      },
    },
    indexes: {},
    foreignKeys: {},
    compositePrimaryKeys: {},
    uniqueConstraints: {},
    policies: {},
  };
  return s;
}

describe("recreateEnumsInDown", () => {
  it("recreates an enum outside public whose re-added value a later statement uses, keeping the rest in place", () => {
    const before = model(["active", "closed"]);
    const after = model(["active", "it's gone", "closed"]);
    const down = recreateEnumsInDown(
      [
        `ALTER TYPE "auth"."state" ADD VALUE 'it''s gone' BEFORE 'closed';`,
        `ALTER TABLE "auth"."accounts" ALTER COLUMN "state" SET DEFAULT 'it''s gone';`,
      ],
      before,
      after,
    );
    expect(down).toEqual([
      `ALTER TYPE "auth"."state" RENAME TO "state__old";`,
      `CREATE TYPE "auth"."state" AS ENUM('active', 'it''s gone', 'closed');`,
      `ALTER TABLE "auth"."accounts" ALTER COLUMN "state" DROP DEFAULT;`,
      `ALTER TABLE "auth"."accounts" ALTER COLUMN "state" SET DATA TYPE "auth"."state" USING "state"::text::"auth"."state";`,
      `ALTER TABLE "auth"."accounts" ALTER COLUMN "state" SET DEFAULT 'active';`,
      `DROP TYPE "auth"."state__old";`,
      `ALTER TABLE "auth"."accounts" ALTER COLUMN "state" SET DEFAULT 'it''s gone';`,
    ]);
  });

  it("leaves a down alone when no later statement uses the re-added value", () => {
    const statements = [
      `ALTER TYPE "auth"."state" ADD VALUE 'gone';`,
      `ALTER TABLE "x" ADD COLUMN "y" text;`,
    ];
    expect(recreateEnumsInDown(statements, model(["active"]), model(["active", "gone"]))).toBe(statements);
  });
});
