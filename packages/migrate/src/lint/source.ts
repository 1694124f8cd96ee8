import type { Node } from "libpg-query";
import { BREAKPOINT } from "../breakpoint.js";
import { loadPgParser, type PgParser, pgParser } from "../pg-parser.js";

/** One parsed statement, positioned in the file. Offsets are UTF-8 byte offsets, as PostgreSQL reports them. */
export interface SourceStatement {
  node: Node;
  start: number;
  end: number;
  line: number;
  text: string;
}

/** One SQL comment (`-- …` or `/* … *\/`), positioned in the file. */
export interface SourceComment {
  start: number;
  end: number;
  line: number;
  text: string;
}

/** A migration file after parsing: its statements and comments, or where it stopped parsing. */
export type ParsedSource =
  | { ok: true; lines: LineIndex; statements: SourceStatement[]; comments: SourceComment[] }
  | { ok: false; lines: LineIndex; line: number; message: string; excerpt: string };

/** Maps byte offsets of a file to 1-based line numbers and back to text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly bytes: Buffer) {
    // A newline byte never occurs inside a multi-byte UTF-8 sequence, so counting bytes is exact.
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line containing the byte at `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.bytes.length;
    const next = this.starts[line];
    const end = next === undefined ? this.bytes.length : next - 1;
    const text = this.bytes.toString("utf8", start, end);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  }

  /** Text between two byte offsets. */
  slice(start: number, end: number): string {
    return this.bytes.toString("utf8", start, end);
  }
}

/** Load libpg-query's WASM module once per process; the sync parser needs it. */
export async function loadParser(): Promise<void> {
  await loadPgParser();
}

/** Marker that only directive comments contain; files without it need no scan for comments. */
const DIRECTIVE_MARK = "tidemark:";

/**
 * Parse a migration file with PostgreSQL's own parser. The file is split on drizzle's
 * breakpoints first, exactly as the migrator sends it, so a chunk without a final semicolon
 * still parses as it will run. The first syntax error stops parsing and is reported.
 */
export async function parseSource(sql: string): Promise<ParsedSource> {
  await loadParser();
  const bytes = Buffer.from(sql, "utf8");
  const lines = new LineIndex(bytes);
  const statements: SourceStatement[] = [];
  const comments: SourceComment[] = [];
  const marker = Buffer.from(BREAKPOINT, "utf8");
  let from = 0;
  while (from <= bytes.length) {
    const found = bytes.indexOf(marker, from);
    const to = found === -1 ? bytes.length : found;
    const chunk = bytes.toString("utf8", from, to);
    if (chunk.trim() !== "") {
      const failure = parseChunk(chunk, from, lines, statements, comments);
      if (failure) return { ok: false, lines, ...failure };
    }
    if (found === -1) break;
    from = found + marker.length;
  }
  return { ok: true, lines, statements, comments };
}

function parseChunk(
  chunk: string,
  base: number,
  lines: LineIndex,
  statements: SourceStatement[],
  comments: SourceComment[],
): { line: number; message: string; excerpt: string } | undefined {
  let stmts: NonNullable<ReturnType<PgParser["parseSync"]>["stmts"]>;
  try {
    stmts = pgParser().parseSync(chunk).stmts ?? [];
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const line = lines.lineOf(base + (details?.cursorPosition ?? 0));
    return { line, message: (err as Error).message, excerpt: lines.lineText(line).trim() };
  }
  const chunkBytes = Buffer.byteLength(chunk, "utf8");
  for (const raw of stmts) {
    if (!raw.stmt) continue;
    // protobuf JSON omits zeros: a missing location is 0, a missing length means "to the end".
    const start = base + (raw.stmt_location ?? 0);
    const end = raw.stmt_len ? start + raw.stmt_len : base + chunkBytes;
    statements.push({
      node: raw.stmt,
      start,
      end,
      line: lines.lineOf(start),
      text: lines.slice(start, end).trim(),
    });
  }
  if (chunk.includes(DIRECTIVE_MARK)) {
    for (const token of pgParser().scanSync(chunk).tokens) {
      if (token.tokenName !== "SQL_COMMENT" && token.tokenName !== "C_COMMENT") continue;
      const start = base + token.start;
      comments.push({ start, end: base + token.end, line: lines.lineOf(start), text: token.text });
    }
  }
  return undefined;
}
