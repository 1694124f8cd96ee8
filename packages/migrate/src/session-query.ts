import { loadPgParser } from "./pg-parser.js";

/** Longest normalized query kept in a message; enough to recognise the statement. */
const MAX_QUERY_CHARS = 200;

/** What stands in for a query the parser cannot read (e.g. cut off by track_activity_query_size). */
export const QUERY_WITHHELD = "(query withheld: it could not be parsed to strip its literals)";

/**
 * Another session's SQL with every constant replaced by `$1`, `$2`… by PostgreSQL's own parser,
 * so no literal of someone else's query (a password, a customer's e-mail) reaches a message, a
 * log line or `tidemark.history`. A query that does not parse is withheld, never shown raw.
 */
export async function normalizeQuery<Q extends string | null>(query: Q): Promise<Q> {
  return (query === null ? null : await normalizeText(query)) as Q;
}

async function normalizeText(query: string): Promise<string> {
  const text = query.trim();
  if (text === "") return "";
  let normalized: string;
  try {
    const parser = await loadPgParser();
    // Parse first: on some syntax errors normalize returns the error text, which quotes the
    // offending literal, instead of throwing.
    parser.parseSync(text);
    normalized = parser.normalizeSync(text);
  } catch {
    return QUERY_WITHHELD;
  }
  const flat = normalized.replace(/\s+/g, " ");
  return flat.length > MAX_QUERY_CHARS ? `${flat.slice(0, MAX_QUERY_CHARS)}…` : flat;
}

/** The same rows with each `query` normalized by {@link normalizeQuery}. */
export async function describeSessions<T extends { query: string | null }>(rows: T[]): Promise<T[]> {
  return Promise.all(rows.map(async (r) => ({ ...r, query: await normalizeQuery(r.query) })));
}
