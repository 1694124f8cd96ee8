import type { TypeName } from "libpg-query";

/** A column type reduced to what matters for deciding whether a change narrows or rewrites. */
export interface ColumnType {
  /** Canonical name: `int4`, `varchar`, `numeric`, `timestamptz`, or the user type's name. */
  name: string;
  /** Integer type modifiers (`varchar(50)` → [50]); undefined when they are not plain integers. */
  mods: number[] | undefined;
  array: boolean;
}

/** What an ALTER COLUMN … TYPE does to the data and the table. */
export type TypeChange = "same" | "safe" | "rewrite" | "narrow" | "unknown";

// The parser already turns keywords into catalogue names (integer → int4); these are the
// spellings it leaves alone (serial pseudo-types, quoted or unqualified names).
const ALIASES: Record<string, string> = {
  serial: "int4",
  serial4: "int4",
  integer: "int4",
  int: "int4",
  bigserial: "int8",
  serial8: "int8",
  bigint: "int8",
  smallserial: "int2",
  serial2: "int2",
  smallint: "int2",
  decimal: "numeric",
  char: "bpchar",
  character: "bpchar",
  real: "float4",
  boolean: "bool",
};

/** Canonical column type of a parsed type name. */
export function columnTypeOf(typeName: TypeName | undefined): ColumnType | undefined {
  const names = (typeName?.names ?? []).map((n) => ("String" in n ? (n.String.sval ?? "") : ""));
  const last = names.at(-1);
  if (!typeName || !last) return undefined;
  const qualified = names.length > 1 && names[0] !== "pg_catalog";
  const name = qualified ? names.join(".") : (ALIASES[last] ?? last);
  let mods: number[] | undefined = [];
  for (const mod of typeName.typmods ?? []) {
    // protobuf JSON drops zero values, so `varchar(0)`-like modifiers arrive as `{}`.
    if ("A_Const" in mod && mod.A_Const.ival) mods.push(mod.A_Const.ival.ival ?? 0);
    else mods = undefined;
    if (!mods) break;
  }
  return { name, mods, array: (typeName.arrayBounds?.length ?? 0) > 0 };
}

/** Display form for messages: `varchar(100)`, `numeric(10,2)[]`. */
export function describeType(t: ColumnType): string {
  const mods = t.mods && t.mods.length > 0 ? `(${t.mods.join(",")})` : "";
  return `${t.name}${mods}${t.array ? "[]" : ""}`;
}

const STRINGS = new Set(["varchar", "text", "bpchar"]);
const INT_RANK: Record<string, number> = { int2: 1, int4: 2, int8: 3 };
/** Decimal digits an integer type needs, to tell whether numeric(p,s) can hold it. */
const INT_DIGITS: Record<string, number> = { int2: 5, int4: 10, int8: 19 };
const FLOATS = new Set(["float4", "float8"]);
const TIMESTAMPS = new Set(["timestamp", "timestamptz"]);
const TIMES = new Set(["time", "timetz"]);

/**
 * Classify a column type change the way PostgreSQL executes it: "safe" changes only touch the
 * catalogue (varchar widening, numeric precision increase, dropping a limit), "narrow" ones
 * can fail or lose data, everything else rewrites the table. `using` forces a rewrite.
 */
export function classifyTypeChange(
  from: ColumnType | undefined,
  to: ColumnType | undefined,
  using: boolean,
): TypeChange {
  if (!from || !to) return "unknown";
  const base = classifyBase(from, to);
  if (base === "narrow" || base === "unknown") return base;
  if (from.array !== to.array) return "rewrite";
  if (base === "same") return using ? "rewrite" : "same";
  // Element-wise array coercions are never simplified away, and USING always recomputes.
  if (from.array || using) return "rewrite";
  return base;
}

function classifyBase(a: ColumnType, b: ColumnType): TypeChange {
  if (!a.mods || !b.mods) return "unknown";
  const [a0, a1] = a.mods;
  const [b0, b1] = b.mods;
  if (a.name === b.name && a0 === b0 && a1 === b1) return "same";
  if (STRINGS.has(a.name) && STRINGS.has(b.name)) {
    if (limit(b) < limit(a)) return "narrow";
    return a.name === "bpchar" || b.name === "bpchar" ? "rewrite" : "safe";
  }
  if (STRINGS.has(a.name)) return "narrow"; // text → int/date/…: fails on any unconvertible value
  if (a.name === "varbit" && b.name === "varbit") return limit(b) < limit(a) ? "narrow" : "safe";
  if (a.name === "numeric" && b.name === "numeric") return numericChange(a0, a1, b0, b1);
  const ra = INT_RANK[a.name];
  const rb = INT_RANK[b.name];
  if (ra && rb) return rb < ra ? "narrow" : "rewrite";
  if (ra && b.name === "numeric") {
    if (b0 === undefined) return "rewrite";
    return b0 - (b1 ?? 0) < (INT_DIGITS[a.name] ?? 19) ? "narrow" : "rewrite";
  }
  if (a.name === "numeric" && (rb || FLOATS.has(b.name))) return "narrow";
  if (FLOATS.has(a.name) && (rb || b.name === "numeric"))
    return b.name === "numeric" && !b0 ? "rewrite" : "narrow";
  if (a.name === "float8" && b.name === "float4") return "narrow";
  if (ra && FLOATS.has(b.name)) return a.name === "int8" || b.name === "float4" ? "narrow" : "rewrite";
  if (a.name === b.name && (TIMESTAMPS.has(a.name) || TIMES.has(a.name))) {
    return (b0 ?? 6) < (a0 ?? 6) ? "narrow" : "safe";
  }
  if (TIMESTAMPS.has(a.name) && (b.name === "date" || TIMES.has(b.name))) return "narrow";
  if (a.name === "interval" && b.name === "interval") return "unknown";
  if (a.name === "cidr" && b.name === "inet") return "safe";
  return "rewrite";
}

/** Longest value a string/bit type accepts; Infinity without a limit. */
function limit(t: ColumnType): number {
  const n = t.mods?.[0];
  if (t.name === "bpchar" || t.name === "bit") return n ?? 1;
  return t.name === "text" ? Number.POSITIVE_INFINITY : (n ?? Number.POSITIVE_INFINITY);
}

function numericChange(
  p1: number | undefined,
  s1: number | undefined,
  p2: number | undefined,
  s2: number | undefined,
): TypeChange {
  if (p2 === undefined) return "safe"; // dropping the limit never rewrites
  if (p1 === undefined) return "narrow";
  const scale1 = s1 ?? 0;
  const scale2 = s2 ?? 0;
  if (scale2 < scale1 || p2 - scale2 < p1 - scale1) return "narrow";
  return scale2 === scale1 ? "safe" : "rewrite";
}
