import { readFile } from "node:fs/promises";
import { BREAKPOINT } from "./breakpoint.js";
import type { ParsedSource } from "./lint/source.js";
import { codeStart, countNewlines, ownText, type RunMode, runModeOf } from "./run-mode.js";

export { BREAKPOINT };

/** One `--> statement-breakpoint` block of a SQL migration. */
export interface SqlBlock {
  sql: string;
  /** Environments this block is limited to (`-- tidemark:env a,b`); undefined = all. */
  environments?: string[];
  /** 1-based file line of the block's own first line of SQL (after leading comments). */
  line: number;
}

/** One statement of a file that runs outside a transaction; each is sent on its own. */
export interface SqlStatement {
  /** 1-based position among the file's statements, as messages count them. */
  number: number;
  sql: string;
  /** 1-based file line of the statement's own first line. */
  line: number;
  /** Transaction control the file itself does, so a failure report knows what its own BEGIN rolled back. */
  control?: "begin" | "commit" | "rollback";
  environments?: string[];
}

/** A parsed SQL migration file. */
export interface SqlScript {
  text: string;
  blocks: SqlBlock[];
  /** How the file runs; decided from PostgreSQL's parse tree (see run-mode.ts). */
  mode: RunMode;
  /** Statement by statement, for a file that runs outside a transaction and parses. */
  statements?: SqlStatement[];
  /**
   * Transactional and known to hold no transaction control (parsed, or without any keyword
   * that could be one): replaying it in a transaction that is rolled back cannot commit.
   */
  replaySafe: boolean;
}

const ENV_DIRECTIVE = /^\s*--\s*tidemark:env\s+([\w\s,-]+)$/m;

/** Split a migration into breakpoint blocks and read their `tidemark:env` directives. */
export function splitBlocks(text: string): SqlBlock[] {
  const blocks: SqlBlock[] = [];
  let line = 1;
  for (const chunk of text.split(BREAKPOINT)) {
    const leading = chunk.match(/^\s*((?:--[^\n]*\n\s*)*)/)?.[1] ?? "";
    const env = leading.match(ENV_DIRECTIVE)?.[1];
    const environments = env
      ?.split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    const start = codeStart(chunk);
    if (start < chunk.length) {
      blocks.push({ sql: chunk.trim(), environments, line: line + countNewlines(chunk, start) });
    }
    line += countNewlines(chunk, chunk.length);
  }
  return blocks;
}

const CONTROL: Record<string, SqlStatement["control"]> = {
  TRANS_STMT_BEGIN: "begin",
  TRANS_STMT_START: "begin",
  TRANS_STMT_COMMIT: "commit",
  TRANS_STMT_PREPARE: "commit",
  TRANS_STMT_ROLLBACK: "rollback",
};

/** The parse tree's statements, each with the environments of the block it sits in. */
function statementsOf(parsed: ParsedSource, blocks: SqlBlock[]): SqlStatement[] | undefined {
  if (!parsed.ok) return undefined;
  return parsed.statements.map((stmt, i) => {
    const own = ownText(stmt, parsed.lines);
    const block = blocks.findLast((b) => b.line <= own.line);
    const node = stmt.node;
    const control = "TransactionStmt" in node ? CONTROL[node.TransactionStmt.kind ?? ""] : undefined;
    return { number: i + 1, ...own, control, environments: block?.environments };
  });
}

/** Split a migration into blocks, decide how it runs, and list its statements when it runs outside. */
export async function parseScript(text: string): Promise<SqlScript> {
  const blocks = splitBlocks(text);
  const { mode, parsed } = await runModeOf(text);
  const statements = !mode.transactional && parsed ? statementsOf(parsed, blocks) : undefined;
  const replaySafe = mode.transactional && (parsed === undefined || parsed.ok);
  return { text, blocks, mode, statements, replaySafe };
}

/** Read and parse a SQL migration file. */
export async function readScript(file: string): Promise<SqlScript> {
  return parseScript(await readFile(file, "utf8"));
}

const inEnvironment = (environment: string) => (b: { environments?: string[] }) =>
  !b.environments || b.environments.includes(environment);

/** The blocks that run in `environment`. */
export function blocksFor(script: SqlScript, environment: string): SqlBlock[] {
  return script.blocks.filter(inEnvironment(environment));
}

/** The statements that run in `environment`, when the file runs statement by statement. */
export function statementsFor(script: SqlScript, environment: string): SqlStatement[] | undefined {
  return script.statements?.filter(inEnvironment(environment));
}
