import { readFile } from "node:fs/promises";

/** drizzle-kit's separator between statements of one migration file. */
export const BREAKPOINT = "--> statement-breakpoint";

/** One `--> statement-breakpoint` block of a SQL migration. */
export interface SqlBlock {
  sql: string;
  /** Environments this block is limited to (`-- tidemark:env a,b`); undefined = all. */
  environments?: string[];
  /** 1-based line of the block's first line in the file, for error messages. */
  line: number;
}

/** A parsed SQL migration file. */
export interface SqlScript {
  blocks: SqlBlock[];
  /** Must run outside a transaction (DESIGN §4). */
  noTransaction: boolean;
}

const ENV_DIRECTIVE = /^\s*--\s*tidemark:env\s+([\w\s,-]+)$/m;
const NO_TRANSACTION = /^\s*--\s*tidemark:no-transaction\b/;
const CONCURRENT_INDEX = /\b(create\s+(unique\s+)?|drop\s+)index\s+concurrently\b/i;

/** Strip comments so directives and keywords in them do not change how a file runs. */
function withoutComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ");
}

/** Split a migration into blocks and read its Tidemark directives. */
export function parseScript(text: string): SqlScript {
  const blocks: SqlBlock[] = [];
  let line = 1;
  for (const chunk of text.split(BREAKPOINT)) {
    const leading = chunk.match(/^\s*((?:--[^\n]*\n\s*)*)/)?.[1] ?? "";
    const env = leading.match(ENV_DIRECTIVE)?.[1];
    const environments = env
      ?.split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    // A chunk after a breakpoint starts with the rest of the breakpoint's line.
    const firstLine = line + ((chunk.match(/^\s*/)?.[0] ?? "").split("\n").length - 1);
    if (withoutComments(chunk).trim()) blocks.push({ sql: chunk.trim(), environments, line: firstLine });
    line += chunk.split("\n").length - 1;
  }
  // The directive may follow other leading comment lines (an adopted down's unverified marker).
  const header = text.match(/^(?:[ \t]*--[^\n]*(?:\n|$))*/)?.[0] ?? "";
  const noTransaction =
    header.split("\n").some((l) => NO_TRANSACTION.test(l)) || CONCURRENT_INDEX.test(withoutComments(text));
  return { blocks, noTransaction };
}

/** Read and parse a SQL migration file. */
export async function readScript(file: string): Promise<SqlScript> {
  return parseScript(await readFile(file, "utf8"));
}

/** The blocks that run in `environment`. */
export function blocksFor(script: SqlScript, environment: string): SqlBlock[] {
  return script.blocks.filter((b) => !b.environments || b.environments.includes(environment));
}
