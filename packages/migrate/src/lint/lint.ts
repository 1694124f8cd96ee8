import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Node } from "libpg-query";
import { findRevision } from "../journal.js";
import { runModeOfParsed } from "../run-mode.js";
import type { Migration } from "../types.js";
import { checkStatement } from "./check.js";
import type { CheckContext } from "./context.js";
import { allowedInFile, allowsByStatement } from "./directives.js";
import { doBlockStatements } from "./doblock.js";
import { type LintRuleCode, ruleOf } from "./rules.js";
import { SchemaModel } from "./schema.js";
import { type ParsedSource, parseSource } from "./source.js";
import type { LintFinding, LintReport } from "./types.js";

/** Options of {@link lintSql}. */
export interface LintSqlOptions {
  /** File name reported in findings. */
  file: string;
  /** Revision id reported in findings. */
  revision?: string;
  /** Whether the SQL runs inside one transaction (decided by run-mode.ts). */
  transactional: boolean;
  /**
   * Tables that already exist before this SQL runs (`name`, or `schema.name` outside public).
   * Omitted: every table the SQL does not create itself is assumed to exist.
   */
  existingTables?: Set<string>;
}

interface Collected {
  findings: LintFinding[];
  suppressed: LintFinding[];
}

/** Lint one migration's SQL (several statements, drizzle breakpoints allowed); lines refer to `sql`. */
export async function lintSql(sql: string, options: LintSqlOptions): Promise<LintReport> {
  const schema = SchemaModel.seeded(options.existingTables);
  schema.beginMigration();
  const parsed = await parseSource(sql);
  return toReport(checkSource(parsed, options, schema));
}

/**
 * Lint a history in journal order. Every migration is walked so "existing table" rules know
 * which tables earlier migrations created; only `revisions` (tags or `NNNN` prefixes, default
 * all) are reported. Up files are linted; a SQL migration without a down file is reported too.
 */
export async function lintMigrations(
  migrations: Migration[],
  options: { revisions?: string[] } = {},
): Promise<LintReport> {
  const wanted = options.revisions?.length
    ? new Set(options.revisions.map((r) => findRevision(migrations, r).tag))
    : undefined;
  const schema = new SchemaModel(false);
  const all: Collected = { findings: [], suppressed: [] };
  for (const migration of migrations) {
    schema.beginMigration();
    // TS migrations run code, not SQL, and carry their own down: nothing to parse.
    if (migration.kind === "ts") continue;
    const sql = await readFile(migration.file, "utf8");
    const parsed = await parseSource(sql);
    // The executor's own rule (run-mode.ts), so lint judges a file as it will really run.
    const transactional = runModeOfParsed(sql, parsed).transactional;
    const options = { file: migration.file, revision: migration.tag, transactional };
    const collected = checkSource(parsed, options, schema);
    if (!migration.downFile) {
      const allowed = parsed.ok && allowedInFile(parsed.comments).has("missing-down");
      const expected = path.join(path.dirname(migration.file), `${migration.tag}.down.sql`);
      const finding = makeFinding(
        "missing-down",
        options,
        1,
        "",
        `No down migration: ${expected} does not exist.`,
      );
      (allowed ? collected.suppressed : collected.findings).unshift(finding);
    }
    if (wanted && !wanted.has(migration.tag)) continue;
    all.findings.push(...collected.findings);
    all.suppressed.push(...collected.suppressed);
  }
  return toReport(all);
}

function checkSource(parsed: ParsedSource, options: LintSqlOptions, schema: SchemaModel): Collected {
  const out: Collected = { findings: [], suppressed: [] };
  if (!parsed.ok) {
    const message = `${parsed.message} (line ${parsed.line} of ${options.file}).`;
    out.findings.push(makeFinding("syntax-error", options, parsed.line, parsed.excerpt, message));
    return out;
  }
  const allows = allowsByStatement(parsed.statements, parsed.comments, parsed.lines);
  const ctx: CheckContext = {
    schema,
    transactional: options.transactional,
    inTransactionBlock: false,
    notValid: new Map(),
    emit: () => {},
  };
  for (const stmt of parsed.statements) {
    const allowed = allows.get(stmt);
    const check = (node: Node, line: number, text: string) => {
      ctx.emit = (rule, message, fix) => {
        const finding = makeFinding(rule, options, line, text, message, fix);
        (allowed?.has(rule) ? out.suppressed : out.findings).push(finding);
      };
      checkStatement(node, ctx);
    };
    if ("DoStmt" in stmt.node) {
      for (const inner of doBlockStatements(stmt.node.DoStmt)) {
        check(inner.node, stmt.line + inner.lineOffset, inner.text);
      }
    } else check(stmt.node, stmt.line, stmt.text);
  }
  return out;
}

function makeFinding(
  code: LintRuleCode,
  options: { file: string; revision?: string },
  line: number,
  statement: string,
  message: string,
  fix?: string,
): LintFinding {
  const rule = ruleOf(code);
  const finding: LintFinding = {
    rule: code,
    severity: rule.severity,
    file: options.file,
    line,
    statement,
    message,
    why: rule.why,
    fix: fix ?? rule.fix,
  };
  if (options.revision !== undefined) finding.revision = options.revision;
  return finding;
}

function toReport({ findings, suppressed }: Collected): LintReport {
  const errors = findings.filter((f) => f.severity === "error").length;
  return { findings, suppressed, errors, warnings: findings.length - errors };
}
