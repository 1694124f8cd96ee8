import { describe, expect, it } from "vitest";
import { unverifiedLine, unverifiedReason } from "../../src/adopt/marker.js";
import { fixStatements } from "../../src/adopt/reverse.js";
import { emptySnapshot } from "../../src/authoring/snapshot.js";
import { parseScript } from "../../src/statements.js";

describe("how an adopted down file is read", () => {
  const outside = async (text: string) => !(await parseScript(text)).mode.transactional;

  it("runs a file with DROP INDEX CONCURRENTLY outside a transaction", async () => {
    expect(await outside('DROP INDEX CONCURRENTLY IF EXISTS "i";')).toBe(true);
    expect(await outside('DROP INDEX IF EXISTS "i";')).toBe(false);
  });

  it("honours the no-transaction directive on the line after the unverified marker", async () => {
    const text = `${unverifiedLine("runs a DO block")}\n-- tidemark:no-transaction\nSELECT 1;\n`;
    expect(await outside(text)).toBe(true);
    expect(await outside("SELECT 1;\n-- tidemark:no-transaction\n")).toBe(false);
  });

  it("reads the unverified reason from the first line only", () => {
    expect(unverifiedReason(`${unverifiedLine("changes\n data")}\nSELECT 1;`)).toBe("changes data");
    expect(unverifiedReason("-- tidemark:unverified\nSELECT 1;")).toBe("not proven");
    expect(unverifiedReason("SELECT 1;\n-- tidemark:unverified later")).toBeNull();
  });
});

describe("corrections of drizzle-kit's reverse diff", () => {
  it("guards foreign-key drops that a CASCADE may already have done", () => {
    expect(fixStatements(['ALTER TABLE "a" DROP CONSTRAINT "a_b_fk";\n'], emptySnapshot())).toEqual([
      'ALTER TABLE IF EXISTS "a" DROP CONSTRAINT IF EXISTS "a_b_fk";',
    ]);
  });

  it("casts a type change with USING and carries the target default across it", () => {
    const target = emptySnapshot();
    target.tables["public.t"] = {
      name: "t",
      schema: "",
      columns: { c: { name: "c", type: "boolean", primaryKey: false, notNull: false, default: false } },
      indexes: {},
      foreignKeys: {},
      compositePrimaryKeys: {},
      uniqueConstraints: {},
      policies: {},
    };
    expect(fixStatements(['ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE boolean;'], target)).toEqual([
      'ALTER TABLE "t" ALTER COLUMN "c" DROP DEFAULT;',
      'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE boolean USING "c"::boolean;',
      'ALTER TABLE "t" ALTER COLUMN "c" SET DEFAULT false;',
    ]);
  });

  it("turns an empty array default and the primary-key placeholder into SQL that runs", () => {
    const placeholder =
      '/* \n    Unfortunately …\n*/\n\n-- ALTER TABLE "t" DROP CONSTRAINT "<constraint_name>";';
    expect(
      fixStatements(['ALTER TABLE "t" ALTER COLUMN "tags" SET DEFAULT ;', placeholder], emptySnapshot()),
    ).toEqual([
      `ALTER TABLE "t" ALTER COLUMN "tags" SET DEFAULT '{}';`,
      'ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "t_pkey";',
    ]);
  });
});
