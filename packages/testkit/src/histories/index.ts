/**
 * Realistic drizzle-kit migration folders for tests and benchmarks: a schema evolved step by step
 * through drizzle-kit's own API (real `NNNN_tag.sql`, `meta/NNNN_snapshot.json`, journal version
 * 7), then messed up the way real folders are (see handwritten.ts). No `.down.sql` anywhere.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gapAfter, handwrittenAt, snapshotLost, strayFile } from "./handwritten.js";
import { type Model, toDrizzle } from "./model.js";
import { initialModel, random, randomStep, type StepRenames } from "./steps.js";

export { CORE } from "./steps.js";

/** Options of {@link buildRealisticHistory}. */
export interface HistoryOptions {
  migrations: number;
  seed?: number;
}

/** What was generated, for assertions. */
export interface HistorySummary {
  tags: string[];
  missingSnapshots: string[];
  strayFiles: string[];
  gaps: number[];
}

/** The parts of a drizzle-kit snapshot the generator touches; the rest is carried through. */
interface Json {
  id: string;
  prevId: string;
  tables: Record<
    string,
    {
      name: string;
      columns: Record<string, { name: string }>;
      foreignKeys: Record<string, { tableFrom: string }>;
    }
  >;
  _meta: unknown;
  [key: string]: unknown;
}
type RenameMeta = {
  columns: Record<string, string>;
  schemas: Record<string, string>;
  tables: Record<string, string>;
};
type DrizzleKitApi = {
  generateDrizzleJson: (imports: Record<string, unknown>, prevId?: string) => Json;
  generateMigration: (prev: Json, cur: Json) => Promise<string[]>;
};

const BREAKPOINT = "\n--> statement-breakpoint\n";
const BASE_WHEN = 1_700_000_000_000;

/** The previous snapshot with the step's renames applied, so drizzle-kit sees no rename to ask about. */
function renamedSnapshot(
  prev: Json,
  renames: StepRenames,
): { snapshot: Json; sql: string[]; meta: RenameMeta } {
  const snapshot = structuredClone(prev);
  const sql: string[] = [];
  const meta: RenameMeta = { columns: {}, schemas: {}, tables: {} };
  for (const { from, to } of renames.tables) {
    const table = snapshot.tables[`public.${from}`];
    if (!table) throw new Error(`generator: no table ${from} to rename`);
    delete snapshot.tables[`public.${from}`];
    table.name = to;
    snapshot.tables[`public.${to}`] = table;
    for (const fk of Object.values(table.foreignKeys)) fk.tableFrom = to;
    sql.push(`ALTER TABLE "${from}" RENAME TO "${to}";`);
    meta.tables[`"public"."${from}"`] = `"public"."${to}"`;
  }
  for (const { table, from, to } of renames.columns) {
    const t = snapshot.tables[`public.${table}`];
    const column = t?.columns[from];
    if (!t || !column) throw new Error(`generator: no column ${table}.${from} to rename`);
    delete t.columns[from];
    column.name = to;
    t.columns[to] = column;
    sql.push(`ALTER TABLE "${table}" RENAME COLUMN "${from}" TO "${to}";`);
    meta.columns[`"public"."${table}"."${from}"`] = `"public"."${table}"."${to}"`;
  }
  return { snapshot, sql, meta };
}

function slug(name: string): string {
  return name.replace(/[^a-z0-9_]/gi, "_").slice(0, 48);
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Write a drizzle-kit history of `migrations` migrations into `dir` (emptied first). The same
 * seed yields the same SQL; snapshot ids are random, as drizzle-kit makes them.
 */
export async function buildRealisticHistory(dir: string, options: HistoryOptions): Promise<HistorySummary> {
  const api = (await import("drizzle-kit/api")) as unknown as DrizzleKitApi;
  const rnd = random(options.seed ?? 1);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, "meta"), { recursive: true });
  const summary: HistorySummary = { tags: [], missingSnapshots: [], strayFiles: [], gaps: [] };
  const entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] = [];
  let model: Model = initialModel();
  let prev: Json | null = null;
  let idx = 0;
  for (let k = 0; k < options.migrations; k++) {
    const hand = handwrittenAt(k);
    let name = "initial_schema";
    let renames: StepRenames = { tables: [], columns: [] };
    if (k > 0 && !hand?.custom) {
      const step = randomStep(model, rnd, k);
      model = step.model;
      renames = step.renames;
      name = step.name;
    }
    if (hand) name = hand.custom ? hand.name : `${name}_${hand.name}`;
    const snapshot = api.generateDrizzleJson(toDrizzle(model), prev?.id ?? "");
    // drizzle-kit chains the first snapshot to the zero uuid; real folders also have an empty one.
    if (!prev) snapshot.prevId = "";
    let sql: string[] = [];
    if (!hand?.custom) {
      const base = prev ? renamedSnapshot(prev, renames) : null;
      const empty = { tables: {}, enums: {}, schemas: {}, views: {}, sequences: {}, roles: {}, policies: {} };
      const from = base?.snapshot ?? { ...snapshot, ...empty };
      sql = [...(base?.sql ?? []), ...(await api.generateMigration(from, snapshot))];
      if (base) snapshot._meta = base.meta;
    }
    const tag = `${String(idx).padStart(4, "0")}_${slug(name)}`;
    const header = hand?.custom ? ["-- Custom SQL migration file, put your code below! --"] : [];
    const body = [...sql, ...(hand?.sql ?? [])];
    await writeFile(path.join(dir, `${tag}.sql`), [...header, body.join(BREAKPOINT)].join("\n"));
    const snapshotFile = path.join(dir, "meta", `${tag.slice(0, 4)}_snapshot.json`);
    if (snapshotLost(k)) summary.missingSnapshots.push(tag);
    else await writeJson(snapshotFile, snapshot);
    entries.push({ idx, version: "7", when: BASE_WHEN + k * 60_000, tag, breakpoints: true });
    summary.tags.push(tag);
    prev = snapshot;
    idx += 1;
    if (gapAfter(k)) {
      const stray = strayFile(idx);
      await writeFile(path.join(dir, stray.name), stray.sql);
      summary.gaps.push(idx);
      summary.strayFiles.push(stray.name);
      idx += 1;
    }
  }
  await writeJson(path.join(dir, "meta", "_journal.json"), { version: "7", dialect: "postgresql", entries });
  return summary;
}
