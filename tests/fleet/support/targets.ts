import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TargetStatus } from "@tidemark/migrate";
import { withSql } from "@tidemark/testkit";
import type { Fleet } from "./fleet.js";
import { mapLimit } from "./fleet.js";

/** The migrations of a folder, in journal order. */
export async function migrationTags(dir: string): Promise<string[]> {
  const journal = JSON.parse(await readFile(path.join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return journal.entries.map((e) => e.tag);
}

/** How many times each revision was applied ('up', 'ok') in a database's `tidemark.history`. */
export async function appliedCounts(url: string): Promise<Record<string, number>> {
  return withSql(url, async (sql) => {
    const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('tidemark.history') is not null as ok`;
    if (!exists?.ok) return {};
    const rows = await sql<{ revision: string; n: number }[]>`
      select revision, count(*)::int as n from tidemark.history
      where direction = 'up' and status = 'ok' group by revision`;
    return Object.fromEntries(rows.map((r) => [r.revision, r.n]));
  });
}

/** Every target's applied counts, by target name (a few connections at a time). */
export async function appliedCountsOf(targets: { name: string; url: string }[]) {
  const counts = await mapLimit(targets, 6, (t) => appliedCounts(t.url));
  return Object.fromEntries(targets.map((t, i) => [t.name, counts[i]]));
}

/** Exactly one application of each of `tags`: what every target of a completed run shows. */
export function onceEach(tags: string[]): Record<string, number> {
  return Object.fromEntries(tags.map((t) => [t, 1]));
}

/** `fleet status --json` through the real CLI; its rows by target name, and its exit code. */
export async function fleetStatusRows(
  fleet: Fleet,
  extra?: Record<string, string>,
): Promise<{ code: number | null; rows: Map<string, TargetStatus> }> {
  const r = await fleet.cli(["fleet", "status", "--json"], extra);
  let rows: TargetStatus[];
  try {
    rows = JSON.parse(r.stdout) as TargetStatus[];
  } catch {
    throw new Error(`fleet status --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, rows: new Map(rows.map((row) => [row.target, row])) };
}

/** When a target's migrations started and finished (epoch ms), from its `tidemark.history`. */
export async function appliedSpan(url: string): Promise<{ start: number; end: number }> {
  return withSql(url, async (sql) => {
    const [row] = await sql<{ start: number; end: number }[]>`
      select extract(epoch from min(started_at)) * 1000 as start,
             extract(epoch from max(finished_at)) * 1000 as end
      from tidemark.history`;
    return { start: Number(row?.start), end: Number(row?.end) };
  });
}
