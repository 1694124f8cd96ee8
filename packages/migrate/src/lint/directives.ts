import { findLintRule } from "./rules.js";
import type { LineIndex, SourceComment, SourceStatement } from "./source.js";

const ALLOW = "tidemark:allow";

/** Rule codes named by one comment's `tidemark:allow a, b` directive (unknown words are ignored). */
export function allowedInComment(text: string): string[] {
  const at = text.indexOf(ALLOW);
  if (at === -1) return [];
  // The directive runs to the end of its line; anything after the codes is a free-text reason.
  const rest = text.slice(at + ALLOW.length).split("\n")[0] ?? "";
  const words = rest.replaceAll("*/", " ").replaceAll(",", " ").split(" ");
  return words.filter((w) => w !== "" && findLintRule(w) !== undefined);
}

/**
 * Which rules each statement allows. A directive belongs to the statement it sits in, to the
 * statement it trails on the same line (`DROP TABLE t; -- tidemark:allow drop-table`), or else
 * to the next statement below it.
 */
export function allowsByStatement(
  statements: SourceStatement[],
  comments: SourceComment[],
  lines: LineIndex,
): Map<SourceStatement, Set<string>> {
  const result = new Map<SourceStatement, Set<string>>();
  for (const comment of comments) {
    const codes = allowedInComment(comment.text);
    if (codes.length === 0) continue;
    const target = ownerOf(comment, statements, lines);
    if (!target) continue;
    const set = result.get(target) ?? new Set<string>();
    for (const code of codes) set.add(code);
    result.set(target, set);
  }
  return result;
}

function ownerOf(
  comment: SourceComment,
  statements: SourceStatement[],
  lines: LineIndex,
): SourceStatement | undefined {
  let previous: SourceStatement | undefined;
  for (const stmt of statements) {
    if (stmt.start <= comment.start && comment.start < stmt.end) return stmt;
    if (stmt.start >= comment.end) {
      if (previous && lines.lineOf(previous.end) === comment.line) return previous;
      return stmt;
    }
    previous = stmt;
  }
  return previous && lines.lineOf(previous.end) === comment.line ? previous : undefined;
}

/** Rules allowed anywhere in the file, for file-level rules such as `missing-down`. */
export function allowedInFile(comments: SourceComment[]): Set<string> {
  return new Set(comments.flatMap((c) => allowedInComment(c.text)));
}
