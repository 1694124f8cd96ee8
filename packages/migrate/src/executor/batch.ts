import { randomBytes } from "node:crypto";
import { onNotice, type Sql } from "../connection.js";
import type { Body } from "./body.js";
import {
  joinScripts,
  type OneTripScript,
  oneTripScript,
  runOneTrip,
  STEP_DURATION,
  STEP_REVISION,
  type StepRecord,
} from "./one-trip.js";

/** A step whose body is a transactional SQL file: the only kind a batch holds. */
export type SqlBody = Extract<Body, { kind: "sql" }>;

/** One migration of a batch: what it runs and how it is recorded. */
export interface BatchItem {
  body: SqlBody;
  record: StepRecord;
}

/** A batch ready to send: the query, each migration's own script and where it starts in it. */
export interface Batch {
  items: BatchItem[];
  scripts: OneTripScript[];
  /** Offset of each migration's script in `sql`, in code points (PostgreSQL's error positions). */
  starts: number[];
  sql: string;
  /** What each migration's start notice begins with: random, so no migration's own notice matches. */
  marker: string;
}

/**
 * Several migrations as ONE simple-protocol query, each still in its own transaction with its own
 * bookkeeping: `begin; m1; rows; commit; begin; m2; rows; commit; …`. PostgreSQL runs them in
 * order; an error ends the query there, so every migration before the failing one has committed
 * and none after it ran: the state one-migration-per-round-trip reaches, without a round trip
 * (and its client-side work) per migration, which is what a long history waits on.
 */
export function buildBatch(items: BatchItem[]): Batch {
  const marker = `tidemark step ${randomBytes(6).toString("hex")}`;
  const scripts = items.map((item, k) => oneTripScript(item.body.blocks, item.record, `${marker} ${k}`));
  return { items, scripts, marker, ...joinScripts(scripts) };
}

/**
 * Send a batch. `onStart(k)` is called as migration k begins (so k - 1 has committed), from the
 * notice its first statement raises. Resolves to each step's duration as its history row
 * recorded it, by revision.
 */
export async function sendBatch(
  sql: Sql,
  batch: Batch,
  onStart: (k: number) => void,
): Promise<Map<string, number>> {
  const prefix = `${batch.marker} `;
  const stopListening = onNotice(sql, (notice) => {
    if (notice.message?.startsWith(prefix)) onStart(Number(notice.message.slice(prefix.length)));
  });
  const result = (await runOneTrip(sql, batch).finally(stopListening)) as unknown[];
  const sets = Array.isArray(result[0]) ? (result as unknown[][]) : [result];
  const durations = new Map<string, number>();
  for (const rows of sets) {
    for (const row of rows as Record<string, unknown>[]) {
      if (STEP_REVISION in row) durations.set(String(row[STEP_REVISION]), Number(row[STEP_DURATION]));
    }
  }
  return durations;
}

/** The migration of the batch whose script holds PostgreSQL's 1-based error `position`. */
export function itemAt(batch: Batch, position: number | undefined): number | undefined {
  if (position === undefined) return undefined;
  const at = position - 1;
  for (let i = batch.starts.length - 1; i >= 0; i--) {
    if (at >= (batch.starts[i] ?? Number.POSITIVE_INFINITY)) return i;
  }
  return undefined;
}

/**
 * Whether batches can tell their progress: each migration's start notice is raised from a
 * PL/pgSQL DO block, and a database can lack the language. Without it, migrations go one per
 * round trip.
 */
export async function canBatch(sql: Sql): Promise<boolean> {
  const [row] = await sql<
    { ok: boolean }[]
  >`select exists (select 1 from pg_language where lanname = 'plpgsql') as ok`;
  return row?.ok === true;
}
