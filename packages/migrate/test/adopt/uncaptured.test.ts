import { describe, expect, it } from "vitest";
import { parseStatements } from "../../src/adopt/sql-text.js";
import { type Definitions, invertUncaptured } from "../../src/adopt/uncaptured.js";
import { emptySnapshot } from "../../src/authoring/snapshot.js";

/** Invert the files in order, as adopt walks a history; returns each file's result. */
async function walk(files: string[]) {
  const defs: Definitions = new Map();
  const out = [];
  for (const f of files) {
    const statements = await parseStatements(f);
    if (!statements) throw new Error(`unparseable: ${f}`);
    out.push(invertUncaptured(statements, emptySnapshot(), emptySnapshot(), defs));
  }
  return out;
}

const FN_V1 = "CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;";
const FN_V2 = "CREATE OR REPLACE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + 1 $$;";
const TRIGGER = 'CREATE TRIGGER t_touch BEFORE UPDATE ON "t" FOR EACH ROW EXECUTE FUNCTION touch();';

describe("inverses of the statements snapshots do not capture", () => {
  it("drops new functions, triggers, views, extensions and hand-made indexes, last first", async () => {
    const [r] = await walk([
      `CREATE EXTENSION IF NOT EXISTS pg_trgm;\n${FN_V1}\n${TRIGGER}\nCREATE VIEW v AS SELECT 1;\nCREATE INDEX CONCURRENTLY "i" ON "s"."t" ("c");`,
    ]);
    expect(r?.inverses).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "s"."i";',
      'DROP VIEW IF EXISTS "v";',
      'DROP TRIGGER IF EXISTS "t_touch" ON "t";',
      'DROP FUNCTION IF EXISTS "f"(pg_catalog.int4);',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
    ]);
    expect(r?.reasons).toEqual([]);
  });

  it("restores the previous body of a replaced function and re-creates a dropped trigger from its earlier file", async () => {
    const [, replaced, dropped] = await walk([
      `${FN_V1}\n${TRIGGER}`,
      FN_V2,
      'DROP TRIGGER "t_touch" ON "t";',
    ]);
    expect(replaced?.inverses).toEqual([FN_V1.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")]);
    expect(dropped?.inverses).toEqual([TRIGGER]);
  });

  it("gives a reason instead of an inverse for data changes, DO blocks and procedure calls", async () => {
    const [r] = await walk([
      "INSERT INTO t VALUES (1);\nUPDATE t SET c = 2;\nDO $$ BEGIN PERFORM 1; END $$;\nCALL p();\nSET lock_timeout = '1s';",
    ]);
    expect(r?.inverses).toEqual([]);
    expect(r?.reasons).toEqual([
      "changes data (INSERT on line 1)",
      "changes data (UPDATE on line 2)",
      "runs a DO block (line 3)",
      "calls a procedure (line 4)",
    ]);
  });

  it("leaves what the snapshot captures to the reverse diff", async () => {
    const snapshot = emptySnapshot();
    snapshot.enums["public.mood"] = { name: "mood", schema: "public", values: ["a"] };
    const statements = await parseStatements(
      `CREATE TYPE "public"."mood" AS ENUM('a');\nALTER TABLE "t" ADD COLUMN "c" integer;`,
    );
    const r = invertUncaptured(statements ?? [], snapshot, emptySnapshot(), new Map());
    expect(r.statements).toEqual([]);
    expect(r.inverses).toEqual([]);
  });
});
