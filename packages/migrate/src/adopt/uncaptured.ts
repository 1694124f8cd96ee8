/**
 * Statements of an up file that drizzle-kit's snapshots never see (functions, triggers, views,
 * extensions, hand-made types and indexes, data changes), and their inverses where the inverse
 * is certain. Definitions from earlier files are remembered so that a `CREATE OR REPLACE` or a
 * `DROP` can be undone by restoring the previous definition.
 */
import type { Snapshot } from "../authoring/snapshot.js";
import { quoteIdent } from "../quote.js";
import { type ParsedStatement, qualifiedName, relationName } from "./sql-text.js";

/** A statement the snapshots do not capture. */
export interface UncapturedStatement {
  kind: string;
  line: number;
  /** First line of the statement, for reports. */
  summary: string;
}

/** What the hand-written part of one up file needs in its down. */
export interface UncapturedInverse {
  statements: UncapturedStatement[];
  /** Inverse statements, already in the order the down runs them. */
  inverses: string[];
  /** Why the down cannot be proven complete (data changes, a DO block…). */
  reasons: string[];
}

/** Latest definitions seen in earlier up files, keyed by kind and name. */
export type Definitions = Map<string, string>;

const DATA_KINDS: Record<string, string> = {
  InsertStmt: "INSERT",
  UpdateStmt: "UPDATE",
  DeleteStmt: "DELETE",
  MergeStmt: "MERGE",
};
// Statements that change nothing the proof compares (session settings, comments, grants).
const NEUTRAL = new Set([
  "TransactionStmt",
  "VariableSetStmt",
  "CommentStmt",
  "GrantStmt",
  "GrantRoleStmt",
  "SelectStmt",
]);

function functionKey(stmt: Record<string, unknown>): { key: string; drop: string } {
  const params = (stmt.parameters ?? []) as { FunctionParameter: Record<string, unknown> }[];
  const types = params
    .map((p) => p.FunctionParameter)
    .filter((p) => p.mode !== "FUNC_PARAM_OUT" && p.mode !== "FUNC_PARAM_TABLE")
    .map((p) => {
      const t = p.argType as { names: unknown; arrayBounds?: unknown[] };
      return `${qualifiedName(t.names).replace(/"/g, "")}${"[]".repeat(t.arrayBounds?.length ?? 0)}`;
    });
  const name = qualifiedName(stmt.funcname);
  return {
    key: `function:${name.replace(/"public"\./, "")}(${types.join(",")})`,
    drop: `${name}(${types.join(", ")})`,
  };
}

function indexCaptured(snapshot: Snapshot | null, name: string): boolean {
  return Object.values(snapshot?.tables ?? {}).some((t) =>
    Object.values(t.indexes ?? {}).some((i) => i.name === name),
  );
}

const unqualified = (key: string) => key.replace(/^"public"\./, "");
const orReplace = (text: string) => text.replace(/^\s*create\s+(or\s+replace\s+)?/i, "CREATE OR REPLACE ");

type Handler = (
  s: ParsedStatement,
  ctx: { snapshot: Snapshot | null; previous: Snapshot | null; defs: Definitions; out: UncapturedInverse },
) => boolean;

const HANDLERS: Record<string, Handler> = {
  CreateFunctionStmt: (s, { defs, out }) => {
    const { key, drop } = functionKey(s.node);
    const kind = (s.node.is_procedure as boolean) ? "PROCEDURE" : "FUNCTION";
    const earlier = defs.get(key);
    out.inverses.push(earlier ? orReplace(earlier) : `DROP ${kind} IF EXISTS ${drop};`);
    defs.set(key, s.text.endsWith(";") ? s.text : `${s.text};`);
    return true;
  },
  CreateTrigStmt: (s, { defs, out }) => {
    const key = `trigger:${String(s.node.trigname)}`;
    const earlier = s.node.replace ? defs.get(key) : undefined;
    out.inverses.push(
      earlier ??
        `DROP TRIGGER IF EXISTS ${quoteIdent(String(s.node.trigname))} ON ${relationName(s.node.relation)};`,
    );
    defs.set(key, s.text.endsWith(";") ? s.text : `${s.text};`);
    return true;
  },
  ViewStmt: (s, { snapshot, defs, out }) => {
    const name = relationName(s.node.view);
    if (snapshot && unqualified(name).replace(/"/g, "") in (snapshot.views ?? {})) return false;
    const key = `view:${unqualified(name)}`;
    const earlier = defs.get(key);
    out.inverses.push(earlier ? orReplace(earlier) : `DROP VIEW IF EXISTS ${name};`);
    defs.set(key, s.text.endsWith(";") ? s.text : `${s.text};`);
    return true;
  },
  CreateExtensionStmt: (s, { out }) => {
    out.inverses.push(`DROP EXTENSION IF EXISTS ${quoteIdent(String(s.node.extname))};`);
    return true;
  },
  CreateEnumStmt: (s, { snapshot, out }) => {
    const name = qualifiedName(s.node.typeName);
    const key = name.includes(".") ? name.replace(/"/g, "") : `public.${name.replace(/"/g, "")}`;
    if (snapshot && key in (snapshot.enums ?? {})) return false;
    out.inverses.push(`DROP TYPE IF EXISTS ${name};`);
    return true;
  },
  CompositeTypeStmt: (s, { out }) => {
    out.inverses.push(`DROP TYPE IF EXISTS ${relationName(s.node.typevar)};`);
    return true;
  },
  IndexStmt: (s, { snapshot, defs, out }) => {
    const name = String(s.node.idxname ?? "");
    if (!name || indexCaptured(snapshot, name)) return false;
    const schema = (s.node.relation as { schemaname?: string }).schemaname;
    const qualified = schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
    const concurrently = s.node.concurrent ? "CONCURRENTLY " : "";
    out.inverses.push(`DROP INDEX ${concurrently}IF EXISTS ${qualified};`);
    defs.set(`index:${name}`, s.text.endsWith(";") ? s.text : `${s.text};`);
    return true;
  },
  DropStmt: (s, { previous, defs, out }) => {
    const type = String(s.node.removeType);
    const kinds: Record<string, string> = {
      OBJECT_INDEX: "index",
      OBJECT_VIEW: "view",
      OBJECT_FUNCTION: "function",
      OBJECT_TRIGGER: "trigger",
    };
    const kind = kinds[type];
    if (!kind) return false;
    const objects = (s.node.objects ?? []) as Record<string, unknown>[];
    for (const o of objects) {
      const names =
        (o.List as { items: unknown } | undefined)?.items ??
        (o.ObjectWithArgs as { objname: unknown })?.objname;
      const name = qualifiedName(names ?? []);
      if (kind === "index" && indexCaptured(previous, name.replace(/.*\./, "").replace(/"/g, "")))
        return false;
      // Indexes and triggers are remembered by their own name (a trigger's list ends with it).
      const key =
        kind === "index" || kind === "trigger"
          ? `${kind}:${name.replace(/.*\./, "").replace(/"/g, "")}`
          : `${kind}:${unqualified(name)}`;
      const earlier = [...defs.entries()].find(
        ([k]) => k === key || (kind === "function" && k.startsWith(`${key}(`)),
      )?.[1];
      if (earlier) out.inverses.push(earlier);
      else out.reasons.push(`no earlier definition of dropped ${kind} ${name} to restore`);
    }
    return true;
  },
};

/**
 * Find the statements of one up file that `snapshot` (this migration's) does not capture, and
 * build their inverses; `defs` is updated with this file's definitions for later files.
 */
export function invertUncaptured(
  statements: ParsedStatement[],
  snapshot: Snapshot | null,
  previous: Snapshot | null,
  defs: Definitions,
): UncapturedInverse {
  const out: UncapturedInverse = { statements: [], inverses: [], reasons: [] };
  const inverses: string[][] = [];
  for (const s of statements) {
    const summary = s.text.split("\n", 1)[0]?.slice(0, 120) ?? "";
    const before = out.inverses.length;
    const handler = HANDLERS[s.kind];
    if (DATA_KINDS[s.kind]) out.reasons.push(`changes data (${DATA_KINDS[s.kind]} on line ${s.line})`);
    else if (s.kind === "DoStmt") out.reasons.push(`runs a DO block (line ${s.line})`);
    else if (s.kind === "CallStmt") out.reasons.push(`calls a procedure (line ${s.line})`);
    else if (NEUTRAL.has(s.kind) || !handler?.(s, { snapshot, previous, defs, out })) continue;
    out.statements.push({ kind: s.kind, line: s.line, summary });
    inverses.push(out.inverses.slice(before));
  }
  // Undo in reverse order: the last hand-written statement is the first one undone.
  out.inverses = inverses.reverse().flat();
  return out;
}
