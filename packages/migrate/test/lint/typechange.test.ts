import { loadModule, parseSync } from "libpg-query";
import { beforeAll, describe, expect, test } from "vitest";
import {
  type ColumnType,
  classifyTypeChange,
  columnTypeOf,
  describeType,
} from "../../src/lint/typechange.js";

beforeAll(() => loadModule());

/** The column type PostgreSQL's parser sees in `CREATE TABLE t (c <sql>)`. */
function typeOf(sql: string): ColumnType {
  const stmt = parseSync(`CREATE TABLE t (c ${sql})`).stmts?.[0]?.stmt;
  const el = stmt && "CreateStmt" in stmt ? stmt.CreateStmt.tableElts?.[0] : undefined;
  const type = el && "ColumnDef" in el ? columnTypeOf(el.ColumnDef.typeName) : undefined;
  if (!type) throw new Error(`no type in ${sql}`);
  return type;
}

describe("column types", () => {
  test("are reduced to canonical names and integer modifiers", () => {
    expect(describeType(typeOf("integer"))).toBe("int4");
    expect(describeType(typeOf("serial"))).toBe("int4");
    expect(describeType(typeOf("character varying(50)"))).toBe("varchar(50)");
    expect(describeType(typeOf("decimal(10, 0)"))).toBe("numeric(10,0)");
    expect(describeType(typeOf("double precision[]"))).toBe("float8[]");
    expect(describeType(typeOf("timestamp(3) with time zone"))).toBe("timestamptz(3)");
    expect(describeType(typeOf(`"audit"."level"`))).toBe("audit.level");
  });
});

describe("a type change", () => {
  const cases: [from: string, to: string, using: boolean, expected: string][] = [
    ["varchar(50)", "varchar(100)", false, "safe"],
    ["varchar(50)", "text", false, "safe"],
    ["text", "varchar", false, "safe"],
    ["numeric(10,2)", "numeric(12,2)", false, "safe"],
    ["numeric(10,2)", "numeric", false, "safe"],
    ["timestamptz(3)", "timestamptz", false, "safe"],
    ["cidr", "inet", false, "safe"],
    ["varchar(50)", "varchar(50)", false, "same"],
    ["varchar(100)", "varchar(50)", false, "narrow"],
    ["text", "varchar(255)", false, "narrow"],
    ["text", "integer", true, "narrow"],
    ["bigint", "integer", false, "narrow"],
    ["numeric(10,2)", "numeric(10,0)", false, "narrow"],
    ["numeric(10,2)", "numeric(8,2)", false, "narrow"],
    ["numeric", "numeric(10,2)", false, "narrow"],
    ["numeric(10,2)", "integer", false, "narrow"],
    ["integer", "numeric(5,0)", false, "narrow"],
    ["double precision", "real", false, "narrow"],
    ["timestamptz", "date", false, "narrow"],
    ["timestamptz", "timestamptz(0)", false, "narrow"],
    ["integer", "bigint", false, "rewrite"],
    ["integer", "numeric(12,0)", false, "rewrite"],
    ["timestamp", "timestamptz", false, "rewrite"],
    ["char(5)", "char(10)", false, "rewrite"],
    ["varchar(50)", "varchar(100)", true, "rewrite"],
    ["integer", "integer", true, "rewrite"],
    ["varchar(50)[]", "varchar(100)[]", false, "rewrite"],
    ["integer", "text", false, "rewrite"],
    ["jsonb", "json", false, "rewrite"],
    ["interval", "interval hour", false, "unknown"],
  ];
  for (const [from, to, using, expected] of cases) {
    test(`from ${from} to ${to}${using ? " with USING" : ""} is ${expected}`, () => {
      expect(classifyTypeChange(typeOf(from), typeOf(to), using)).toBe(expected);
    });
  }

  test("from an unknown previous type is unknown", () => {
    expect(classifyTypeChange(undefined, typeOf("text"), false)).toBe("unknown");
  });
});
